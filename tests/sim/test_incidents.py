import random

import pytest
from testkit.routes import grid_route

from lastmile.geo import haversine_m
from lastmile.sim.driver import build_driver_day
from lastmile.sim.incidents import (
    Deviation,
    DriverIncidents,
    Halt,
    LateStop,
    TruthLog,
    choose_incidents,
)


def test_incidents_are_spread_over_drivers_and_some_delivery_fails() -> None:
    chosen = choose_incidents([10, 10, 10, 10], random.Random(3))
    halts = [d for d, i in enumerate(chosen) if i.halt]
    deviations = [d for d, i in enumerate(chosen) if i.deviation]
    lates = [d for d, i in enumerate(chosen) if i.late]
    assert len(halts) == len(deviations) == len(lates) == 1
    assert len({*halts, *deviations, *lates}) == 3
    assert any(i.failures for i in chosen)
    assert chosen == choose_incidents([10, 10, 10, 10], random.Random(3))


def test_with_one_driver_every_incident_still_happens() -> None:
    (only,) = choose_incidents([5], random.Random(1))
    assert only.halt
    assert only.deviation
    assert only.late
    assert only.failures


def test_a_scripted_day_leaves_each_incident_in_the_ground_truth(tmp_path) -> None:  # type: ignore[no-untyped-def]
    route = grid_route(stops=5)
    incidents = DriverIncidents(
        failures={3: "recipient_absent"},
        halt=Halt(leg=1, fraction=0.5, duration_s=1200.0),
        deviation=Deviation(leg=2, from_fraction=0.25, to_fraction=0.75, offset_m=400.0),
        late=LateStop(leg=4, delay_s=1800.0),
    )
    day = build_driver_day(route, incidents=incidents, rng=random.Random(5))
    log = TruthLog()
    log.add(day.truth)

    (halt,) = log.of_kind("halt")
    assert halt.end is not None
    assert (halt.end - halt.start).total_seconds() == pytest.approx(1200.0)
    middle = day.trajectory.state(halt.start.timestamp() + 600.0)
    assert (middle.speed_mps, middle.activity) == (0.0, "halt")
    assert halt.lat is not None
    assert halt.lon is not None
    assert min(haversine_m(halt.lat, halt.lon, s.lat, s.lon) for s in route.stops) > 300.0

    (deviation,) = log.of_kind("deviation")
    assert deviation.end is not None
    assert deviation.end > deviation.start
    assert deviation.detail["max_off_route_m"] > 200.0

    (late,) = log.of_kind("late_stop")
    assert late.tracking_number == "TN4"
    assert late.detail["late_s"] > 1500.0

    (failed,) = log.of_kind("failed_delivery")
    assert (failed.tracking_number, failed.detail["reason"]) == ("TN3", "recipient_absent")
    outcomes = {a.tracking_number: a for a in day.actions if a.kind in {"delivered", "attempted"}}
    assert outcomes["TN3"].kind == "attempted"
    assert outcomes["TN3"].reason == "recipient_absent"
    (back,) = [a for a in day.actions if a.kind == "returned_to_hub"]
    assert back.tracking_number == "TN3"
    assert back.at_s > max(a.at_s for a in outcomes.values())
    assert {n: a.kind for n, a in outcomes.items() if n != "TN3"} == {
        f"TN{i}": "delivered" for i in (0, 1, 2, 4)
    }
    assert len(log.of_kind("stop")) == 5

    log.write(tmp_path / "truth.jsonl")
    assert len((tmp_path / "truth.jsonl").read_text().splitlines()) == len(log.records)


def test_actions_follow_the_day_in_order() -> None:
    route = grid_route(stops=3)
    day = build_driver_day(route, incidents=DriverIncidents(), rng=random.Random(2))
    kinds = [a.kind for a in day.actions]
    assert kinds == ["depart", *["arriving", "delivered"] * 3]
    assert [a.at_s for a in day.actions] == sorted(a.at_s for a in day.actions)
    for action in day.actions:
        if action.kind == "delivered":
            here = day.trajectory.state(action.at_s - 1.0)
            assert haversine_m(here.lat, here.lon, action.lat, action.lon) < 1.0  # type: ignore[arg-type]
    assert day.end_s > route.planned_end_s
