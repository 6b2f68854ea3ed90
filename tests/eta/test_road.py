"""A planned route's road legs: splitting the stored path at the stops, and time left on a leg."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lastmile.eta.road import PlannedStop, RoadLeg, build_road_route, split_path
from lastmile.geo import haversine_m

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
HUB = (60.0, 25.0)
EAST = (60.0, 25.072)  # 4 km east along the south shore
NORTH_EAST = (60.009, 25.072)
ACROSS = (60.009, 25.0)  # 1 km north of the hub, across the bay


def _planned(stop_id: uuid.UUID, at: tuple[float, float], arrive_s: float) -> PlannedStop:
    arrival = T0 + timedelta(seconds=arrive_s)
    return PlannedStop(stop_id, at[0], at[1], arrival, arrival + timedelta(seconds=120))


def test_the_time_left_is_the_share_of_the_path_still_ahead() -> None:
    leg = RoadLeg.from_path([HUB, EAST, NORTH_EAST, ACROSS], duration_s=900.0, to_stop=uuid.uuid4())
    assert leg.distance_m == pytest.approx(
        haversine_m(*HUB, *EAST)
        + haversine_m(*EAST, *NORTH_EAST)
        + haversine_m(*NORTH_EAST, *ACROSS),
        rel=0.01,
    )
    assert leg.remaining_s(HUB, corridor_m=50) == pytest.approx(900.0)
    assert leg.remaining_s(ACROSS, corridor_m=50) == pytest.approx(0.0, abs=1.0)
    two_km_east = (60.00005, 25.0 + 2000 / 55_660)  # a few metres off the road
    assert leg.remaining_s(two_km_east, corridor_m=50) == pytest.approx(700.0, abs=10.0)
    assert leg.remaining_s((59.99, 25.036), corridor_m=200) is None


def test_a_path_out_and_back_along_one_street_is_split_at_the_first_visit() -> None:
    dead_end = (60.0, 25.01)
    path = [HUB, (60.0, 25.005), dead_end, (60.0, 25.005), HUB]
    assert split_path(path, [HUB, dead_end, HUB]) == [0, 2, 4]
    assert split_path(path, [HUB, (60.05, 25.0)]) is None


def test_legs_take_the_planned_times_and_drop_waiting_held_in_a_leg() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at_a, at_b, at_c = (60.0, 25.018), (60.0, 25.036), (60.0, 25.054)  # 1 km apart
    stops = [
        _planned(a, at_a, 100.0),
        _planned(b, at_b, 100.0 + 120 + 100),
        # planned an hour after leaving b: a re-timing after an edit, not a slow kilometre
        _planned(c, at_c, 320.0 + 120 + 3600),
    ]
    road = build_road_route(
        polyline_points=[HUB, at_a, at_b, at_c, HUB],
        hub=HUB,
        planned_start=T0,
        stops=stops,
    )
    assert road is not None
    leg_a, leg_b, leg_c = (road.leg_into(s) for s in (a, b, c))
    assert leg_a is not None
    assert leg_b is not None
    assert leg_c is not None
    assert (leg_a.from_stop, leg_b.from_stop, leg_c.from_stop) == (None, a, b)
    assert leg_a.duration_s == pytest.approx(100.0)
    assert leg_b.duration_s == pytest.approx(100.0)
    assert leg_c.duration_s == pytest.approx(100.0, rel=0.02)


def test_a_path_that_misses_the_stops_is_not_used() -> None:
    stop = _planned(uuid.uuid4(), ACROSS, 900.0)
    assert (
        build_road_route(polyline_points=[HUB, EAST], hub=HUB, planned_start=T0, stops=[stop])
        is None
    )
    assert build_road_route(polyline_points=[], hub=HUB, planned_start=T0, stops=[stop]) is None
