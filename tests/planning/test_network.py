"""A hub's day as a planning problem: clock times, refusals, and plans the checker accepts."""

import logging
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from lastmile.errors import InvalidInput
from lastmile.planning.checker import check
from lastmile.planning.network import (
    Crew,
    Delivery,
    Depot,
    build_problem,
    local_midnight,
    opening_s,
    plan_day,
)
from lastmile.planning.problem import Capacity, Load
from lastmile.planning.pyvrp_solver import PyVRPSolver
from lastmile.planning.solver import Reason
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import LatLon, Matrix, UnreachablePair
from lastmile.routing.valhalla import ValhallaNetwork

DAY = date(2026, 11, 24)  # a Tuesday
HUB = Depot(60.1719, 24.9414, "Europe/Helsinki", {"tue": [["08:00", "18:00"]]})
MIDNIGHT = local_midnight("Europe/Helsinki", DAY)


def _at(hours: float) -> datetime:
    return MIDNIGHT + timedelta(hours=hours)


def _delivery(i: int, **overrides: object) -> Delivery:
    fields: dict[str, object] = {
        "id": f"S{i}",
        "lat": 60.16 + 0.002 * (i % 7),
        "lon": 24.92 + 0.003 * (i % 5),
        "service_s": 120.0,
        "load": Load(weight_kg=5.0, parcels=1),
    }
    fields.update(overrides)
    return Delivery(**fields)  # type: ignore[arg-type]


def test_times_are_seconds_from_the_hubs_local_midnight() -> None:
    assert datetime(2026, 11, 23, 22, 0, tzinfo=UTC) == MIDNIGHT
    assert opening_s(HUB, DAY) == (8 * 3600.0, 18 * 3600.0)
    day = build_problem(
        depot=HUB,
        deliveries=[_delivery(1, window_start=_at(10), window_end=_at(12))],
        crews=[Crew("van-1")],
        day=DAY,
        network=HaversineNetwork(),
    )
    (order,) = day.problem.orders
    assert (order.windows[0].start_s, order.windows[0].end_s) == (36_000.0, 43_200.0)
    (vehicle,) = day.problem.vehicles
    assert (vehicle.shift_start_s, vehicle.shift_end_s) == (28_800.0, 64_800.0)
    assert day.at(36_000.0) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_daylight_saving_day_keeps_wall_clock_hours() -> None:
    depot = Depot(60.17, 24.94, "Europe/Helsinki", {"sun": [["08:00", "18:00"]]})
    # 2026-03-29: clocks go forward at 03:00, so 08:00 is 7 hours after midnight.
    assert opening_s(depot, date(2026, 3, 29)) == (7 * 3600.0, 17 * 3600.0)
    assert opening_s(Depot(0, 0, "Europe/Helsinki"), date(2026, 3, 29)) == (0.0, 23 * 3600.0)


def test_a_closed_day_is_refused_naming_the_date() -> None:
    with pytest.raises(InvalidInput) as raised:
        opening_s(HUB, date(2026, 11, 25))
    assert raised.value.field == "date"
    assert "closed" in raised.value.detail


def test_orders_without_position_or_with_a_past_window_get_reasons() -> None:
    day = build_problem(
        depot=HUB,
        deliveries=[
            _delivery(1),
            _delivery(2, lat=None, lon=None),
            _delivery(3, window_start=_at(-30), window_end=_at(-26)),
        ],
        crews=[Crew("van-1")],
        day=DAY,
        network=HaversineNetwork(),
    )
    assert [o.id for o in day.problem.orders] == ["S1"]
    reasons = {u.order_id: u for u in day.refused}
    assert reasons["S2"].reason is Reason.NO_LOCATION
    assert "S2" in reasons["S2"].message
    assert reasons["S3"].reason is Reason.UNREACHABLE_WINDOW
    assert "S3" in reasons["S3"].message


class _OneWayStreet(HaversineNetwork):
    """Straight lines, except that nothing comes back from the first point `trap`."""

    def __init__(self, trap: LatLon, island: LatLon) -> None:
        super().__init__()
        self.trap, self.island = trap, island

    def matrix(self, sources: list[LatLon], targets: list[LatLon]) -> Matrix:  # type: ignore[override]
        base = super().matrix(sources, targets)
        duration_s, distance_m = base.duration_s.copy(), base.distance_m.copy()
        pairs = []
        for i, source in enumerate(sources):
            for j, target in enumerate(targets):
                cut = (source == self.trap and i != j) or (
                    self.island in (source, target) and source != target
                )
                if cut:
                    duration_s[i, j] = distance_m[i, j] = math.inf
                    pairs.append(UnreachablePair(i, j, "no path (valhalla error 442)"))
        return Matrix(duration_s, distance_m, tuple(pairs))


def test_unreachable_cells_become_reasons_never_infinities(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="lastmile.planning.network")
    trap, island = _delivery(2), _delivery(3, lat=60.19, lon=24.99)
    network = _OneWayStreet((trap.lat, trap.lon), (island.lat, island.lon))  # type: ignore[arg-type]
    day = build_problem(
        depot=HUB,
        deliveries=[_delivery(1), trap, island],
        crews=[Crew("van-1")],
        day=DAY,
        network=network,
    )
    assert [o.id for o in day.problem.orders] == ["S1"]
    assert np.isfinite(day.problem.duration_s).all()
    reasons = {u.order_id: u for u in day.refused}
    assert reasons["S2"].reason is Reason.NO_ROAD
    assert "no way back to the hub" in reasons["S2"].message
    assert "cannot be reached from the hub" in reasons["S3"].message
    # People read the reason; the engine's error code is for the log only.
    assert not any("valhalla" in u.message for u in day.refused)
    assert "valhalla error 442" in caplog.text


def test_a_gap_between_connected_stops_is_filled_through_the_hub() -> None:
    class _Gappy(HaversineNetwork):
        def matrix(self, sources: list[LatLon], targets: list[LatLon]) -> Matrix:  # type: ignore[override]
            base = super().matrix(sources, targets)
            duration_s, distance_m = base.duration_s.copy(), base.distance_m.copy()
            duration_s[1, 2] = distance_m[1, 2] = math.inf
            return Matrix(duration_s, distance_m, (UnreachablePair(1, 2, "search limit"),))

    day = build_problem(
        depot=HUB,
        deliveries=[_delivery(1), _delivery(2)],
        crews=[Crew("van-1")],
        day=DAY,
        network=_Gappy(),
    )
    d = day.problem.duration_s
    assert day.filled_via_depot == 1
    assert d[1, 2] == pytest.approx(d[1, 0] + d[0, 2])


def test_a_planned_day_passes_the_independent_checker() -> None:
    deliveries = [
        _delivery(i, window_start=_at(9 + i % 6), window_end=_at(11 + i % 6)) for i in range(1, 25)
    ]
    deliveries.append(_delivery(99, load=Load(weight_kg=5000.0)))
    deliveries.append(_delivery(98, window_start=_at(19), window_end=_at(20)))
    crews = [Crew(f"van-{i}", capacity=Capacity(weight_kg=60.0, parcels=20)) for i in range(3)]
    day = build_problem(
        depot=HUB, deliveries=deliveries, crews=crews, day=DAY, network=HaversineNetwork()
    )
    plan = plan_day(day, solver=PyVRPSolver(), time_limit_s=0.5)
    assert check(day.problem, plan.solution) == []
    left = {u.order_id: u for u in plan.unassigned}
    assert left["S99"].reason is Reason.OVER_CAPACITY
    assert left["S98"].reason is Reason.UNREACHABLE_WINDOW
    served = {o for route in plan.solution.routes for o in route.order_ids}
    assert served | set(left) == {d.id for d in deliveries}


def test_a_day_on_monaco_roads(monaco_tiles: Path) -> None:
    network = ValhallaNetwork(monaco_tiles)
    depot = Depot(43.7347, 7.4206, "Europe/Monaco", {})
    spots = [(43.7384, 7.4246), (43.7311, 7.4197), (43.7403, 7.4270), (43.7275, 7.4155)]
    deliveries = [
        Delivery(f"M{i}", lat, lon, service_s=60.0, load=Load(parcels=1))
        for i, (lat, lon) in enumerate(spots)
    ]
    deliveries.append(Delivery("SEA", 43.70, 7.45))  # in the sea, far from any road
    day = build_problem(
        depot=depot,
        deliveries=deliveries,
        crews=[Crew("van-1", capacity=Capacity(parcels=10))],
        day=DAY,
        network=network,
    )
    assert np.isfinite(day.problem.duration_s).all()
    assert [u.order_id for u in day.refused] == ["SEA"]
    assert day.refused[0].reason is Reason.NO_ROAD
    plan = plan_day(day, solver=PyVRPSolver(), time_limit_s=0.3)
    assert check(day.problem, plan.solution) == []
    assert sorted(o for r in plan.solution.routes for o in r.order_ids) == [
        "M0",
        "M1",
        "M2",
        "M3",
    ]
