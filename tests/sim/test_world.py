"""Addresses, detours and a driver's day on real roads (Monaco), and without a map."""

import itertools
import math
import random
from pathlib import Path

import pytest
from tests.conftest import shared_data

from lastmile.geo import haversine_m, to_local_m
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.maps import map_centre
from lastmile.routing.tiles import build_tiles
from lastmile.routing.valhalla import ValhallaNetwork
from lastmile.sim.driver import PlannedRoute, PlannedStop, build_driver_day
from lastmile.sim.fleet import road_detour, road_speeds
from lastmile.sim.incidents import Deviation, DriverIncidents
from lastmile.sim.world import Area, local_network, sample_addresses

T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def monaco_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    build_tiles(shared_data("osm/monaco.osm.pbf"), data_dir / "maps" / "monaco")
    return data_dir


def test_without_a_map_addresses_are_drawn_inside_the_area() -> None:
    area = Area(60.16, 24.93, 60.18, 24.96)
    points = sample_addresses(HaversineNetwork(), area, 50, random.Random(1), hub=area.centre)
    assert len(points) == 50
    assert all(area.min_lat <= p[0] <= area.max_lat for p in points)
    assert all(area.min_lon <= p[1] <= area.max_lon for p in points)


def test_addresses_lie_on_roads_reachable_from_the_hub(monaco_dir: Path) -> None:
    network, area = local_network(monaco_dir, "monaco")
    assert isinstance(network, ValhallaNetwork)
    assert area is not None
    hub = map_centre(monaco_dir, "monaco")
    assert hub is not None
    inner = area.shrunk(0.2)
    points = sample_addresses(network, inner, 12, random.Random(2), hub=hub)
    assert len(set(points)) == 12
    assert all(inner.min_lat <= p[0] <= inner.max_lat for p in points)
    for point in points:
        assert network.snap(point).distance_m < 10.0
    there = network.matrix([hub], points).duration_s
    back = network.matrix(points, [hub]).duration_s
    assert (there < float("inf")).all()
    assert (back < float("inf")).all()
    assert points == sample_addresses(network, inner, 12, random.Random(2), hub=hub)


def test_a_day_on_real_roads_stays_on_them_except_for_the_detour(monaco_dir: Path) -> None:
    network, area = local_network(monaco_dir, "monaco")
    centre = map_centre(monaco_dir, "monaco")
    assert area is not None
    assert centre is not None
    snapped = network.snap(centre)
    hub = (snapped.lat, snapped.lon)
    stops = sample_addresses(network, area.shrunk(0.2), 4, random.Random(3), hub=hub)
    route = network.route([hub, *stops, hub])
    legs = [network.route([a, b]) for a, b in zip([hub, *stops], [*stops, hub], strict=True)]
    planned: list[PlannedStop] = []
    t = T0
    for i, (leg, stop) in enumerate(zip(legs, stops, strict=False)):
        t += leg.duration_s
        planned.append(PlannedStop(f"TN{i}", stop[0], stop[1], t, t + 120.0))
        t += 120.0
    plan = PlannedRoute(
        "r", "d", "p", hub, T0, t + legs[-1].duration_s, route.geometry, tuple(planned)
    )
    longest = max(range(1, 4), key=lambda k: legs[k].distance_m)
    incidents = DriverIncidents(deviation=Deviation(longest, 0.25, 0.75, 300.0))
    day = build_driver_day(
        plan, incidents=incidents, rng=random.Random(4), detour=road_detour(network)
    )

    (deviation,) = [t for t in day.truth if t.kind == "deviation"]
    assert deviation.end is not None
    detour_leg = f"to TN{longest}"
    assert deviation.start.timestamp() >= min(
        x.start_s for x in day.trajectory.spans if x.label == detour_leg
    )
    checked = 0
    for span in day.trajectory.spans:
        if span.kind != "drive" or span.label == detour_leg:
            continue
        for k in range(int(span.start_s), int(span.end_s), 5):
            s = day.trajectory.state(float(k))
            assert _metres_from(route.geometry, (s.lat, s.lon)) < 5.0
            checked += 1
    assert checked > 100
    visited = [(x.lat, x.lon) for x in day.trajectory.spans if x.kind == "service"]
    assert len(visited) == len(stops)
    for parked, stop in zip(visited, stops, strict=True):
        assert haversine_m(*parked, *stop) < 10.0


def _metres_from(path: tuple[tuple[float, float], ...], point: tuple[float, float]) -> float:
    px, py = to_local_m(*point, origin_lat=point[0], origin_lon=point[1])
    best = float("inf")
    for a, b in itertools.pairwise(path):
        ax, ay = to_local_m(*a, origin_lat=point[0], origin_lon=point[1])
        bx, by = to_local_m(*b, origin_lat=point[0], origin_lon=point[1])
        dx, dy = bx - ax, by - ay
        u = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / max(dx * dx + dy * dy, 1e-9)))
        best = min(best, math.hypot(ax + u * dx - px, ay + u * dy - py))
    return best


def test_speeds_follow_the_road_class_and_the_leg_keeps_its_planned_time(
    monaco_dir: Path,
) -> None:
    network, area = local_network(monaco_dir, "monaco")
    assert area is not None
    speeds_of = road_speeds(network)
    stops = sample_addresses(network, area.shrunk(0.2), 6, random.Random(6), hub=area.centre)
    legs = [network.route([a, b]) for a, b in itertools.pairwise(stops)]
    leg = max(legs, key=lambda r: r.distance_m)
    speeds = speeds_of(leg.geometry)
    assert speeds is not None
    assert len(speeds) == len(leg.geometry) - 1
    assert max(speeds) > 1.3 * min(speeds)  # more than one kind of road on the way

    start, end = leg.geometry[0], leg.geometry[-1]
    plan = PlannedRoute(
        "r",
        "d",
        "p",
        start,
        T0,
        T0 + 2 * leg.duration_s + 600.0,
        (*leg.geometry, *leg.geometry[-2::-1]),
        (PlannedStop("TN0", end[0], end[1], T0 + leg.duration_s, T0 + leg.duration_s + 120),),
    )
    by_road = build_driver_day(
        plan, incidents=DriverIncidents(), rng=random.Random(1), road_speeds=speeds_of
    )
    alike = build_driver_day(plan, incidents=DriverIncidents(), rng=random.Random(1))
    (drive,) = [s for s in by_road.trajectory.spans if s.label == "to TN0"]
    (same,) = [s for s in alike.trajectory.spans if s.label == "to TN0"]
    # Same planned time (night traffic x1.1, same pace), different speeds along the way.
    assert drive.end_s - drive.start_s == pytest.approx(same.end_s - same.start_s, rel=0.05)
    observed = {
        round(by_road.trajectory.state(t).speed_mps)
        for t in range(int(drive.start_s) + 20, int(drive.end_s) - 20, 3)
    }
    uniform = {
        round(alike.trajectory.state(t).speed_mps)
        for t in range(int(same.start_s) + 20, int(same.end_s) - 20, 3)
    }
    assert max(observed) > max(uniform)
