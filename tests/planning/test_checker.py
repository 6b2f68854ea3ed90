from dataclasses import replace
from typing import Any

import pytest
from tests.planning.builders import problem, van

from lastmile.planning.checker import check
from lastmile.planning.problem import Capacity, Load, Order, Problem, TimeWindow
from lastmile.planning.solver import Reason, Route, Solution, Stop, Unassigned

ORDERS = [
    Order("a", location=1, demand=Load(weight_kg=60.0), service_s=10.0),
    Order("b", location=2, demand=Load(weight_kg=30.0), windows=(TimeWindow(300.0, 400.0),)),
    Order("c", location=1, skills=frozenset({"cold_chain"})),
]


def _problem(**vehicle_options: float) -> Problem:
    vehicle = van(
        capacity=Capacity(weight_kg=100.0),
        skills=frozenset({"cold_chain"}),
        shift_end_s=vehicle_options.get("shift_end_s", 86_400.0),
        max_duration_s=vehicle_options.get("max_duration_s", float("inf")),
    )
    return problem([0.0, 1000.0, 2000.0], ORDERS, [vehicle])


VALID_ROUTE = Route(
    vehicle_id="v1",
    start_location=0,
    end_location=0,
    stops=(
        Stop("a", 100.0, 100.0, 110.0),
        Stop("c", 110.0, 110.0, 110.0),
        Stop("b", 210.0, 300.0, 300.0),
    ),
    start_s=0.0,
    end_s=500.0,
    distance_m=4000.0,
)
VALID = Solution((VALID_ROUTE,), ())


def _with_stop(index: int, **changes: Any) -> Solution:
    stops = list(VALID_ROUTE.stops)
    stops[index] = replace(stops[index], **changes)
    return Solution((replace(VALID_ROUTE, stops=tuple(stops)),), ())


def test_a_valid_plan_passes() -> None:
    assert check(_problem(), VALID) == []


@pytest.mark.parametrize(
    ("solution", "message"),
    [
        (
            Solution((replace(VALID_ROUTE, end_location=2, distance_m=4000.0),), ()),
            "v1's route ends at location 2, not its depot",
        ),
        (
            _with_stop(2, start_s=401.0, departure_s=401.0),
            "starts order b at 401.0 s, outside its windows",
        ),
        (_with_stop(0, arrival_s=90.0), "reaches order a at 90.0 s; it cannot before 100.0 s"),
        (_with_stop(0, departure_s=105.0), "leaves order a before its service is done"),
        (_with_stop(2, start_s=200.0), "starts order b before arriving"),
        (Solution((replace(VALID_ROUTE, end_s=450.0),), ()), "it cannot be back before 500.0 s"),
        (
            Solution((replace(VALID_ROUTE, distance_m=3000.0),), ()),
            "reports 3000.0 m; it drives 4000.0 m",
        ),
        (
            Solution((VALID_ROUTE,), (Unassigned("a", Reason.FLEET_FULL, "a"),)),
            "order a appears 2 times (1 on routes, 1 unassigned)",
        ),
        (
            Solution((replace(VALID_ROUTE, stops=VALID_ROUTE.stops[:2], distance_m=2000.0),), ()),
            "orders neither routed nor unassigned: b",
        ),
        (Solution((VALID_ROUTE, replace(VALID_ROUTE, stops=())), ()), "vehicle v1 drives 2 routes"),
        (Solution((replace(VALID_ROUTE, vehicle_id="ghost"),), ()), "unknown vehicle 'ghost'"),
        (
            Solution((VALID_ROUTE,), (Unassigned("z", Reason.FLEET_FULL, "z"),)),
            "order 'z' is not in the problem",
        ),
    ],
)
def test_each_broken_rule_is_named(solution: Solution, message: str) -> None:
    assert any(message in line for line in check(_problem(), solution)), check(_problem(), solution)


def test_the_shift_end_and_maximum_duration_are_enforced() -> None:
    found = check(_problem(shift_end_s=450.0, max_duration_s=400.0), VALID)

    assert found == [
        "v1's route ends at 500.0 s, after the shift ends",
        "v1's route lasts 500.0 s, over its 400.0 s maximum",
    ]


def test_capacity_and_skills_are_enforced() -> None:
    small = van(capacity=Capacity(weight_kg=80.0))
    found = check(problem([0.0, 1000.0, 2000.0], ORDERS, [small]), VALID)

    assert found == [
        "v1 carries 90 weight_kg, over its 80",
        "v1 serves order c without cold_chain",
    ]
