from dataclasses import replace

import numpy as np
import pytest
from tests.conftest import shared_data
from tests.planning.builders import problem, solve_checked, van

from lastmile.planning.instances import read_instance
from lastmile.planning.problem import Capacity, Load, Order, Problem, TimeWindow
from lastmile.planning.pyvrp_solver import PyVRPSolver
from lastmile.planning.solver import Reason


def test_windows_decide_the_visiting_order() -> None:
    orders = [
        Order("west", location=1, windows=(TimeWindow(300.0, 1000.0),)),
        Order("east", location=2, windows=(TimeWindow(0.0, 150.0),)),
    ]
    solution = solve_checked(problem([0.0, -1000.0, 1000.0], orders, [van()]))

    (route,) = solution.routes
    assert route.order_ids == ("east", "west")
    assert route.stops[0].start_s <= 150.0
    assert route.stops[1].start_s >= 300.0


def test_a_route_leaves_at_the_start_of_the_shift_and_serves_each_stop_early() -> None:
    """PyVRP alone would leave at 4280 s, so as to reach "far" just as its window opens."""
    orders = [
        Order("near", location=1, service_s=120.0, windows=(TimeWindow(600.0, 30_000.0),)),
        Order("far", location=2, service_s=120.0, windows=(TimeWindow(5_000.0, 30_000.0),)),
    ]
    solution = solve_checked(problem([0.0, 3000.0, 6000.0, 9000.0], orders, [van(end=3)]))

    (route,) = solution.routes
    assert route.order_ids == ("near", "far")
    assert route.start_s == pytest.approx(300.0)
    assert [stop.start_s for stop in route.stops] == pytest.approx([600.0, 5_000.0])
    assert route.stops[0].wait_s == pytest.approx(0.0)


def test_a_vehicle_paying_for_its_time_serves_what_it_can_while_a_window_is_still_shut() -> None:
    """By distance alone "long" would come after "late" (100 m shorter), 2,000 s later."""
    places = ("hub", "first", "late", "long")
    metres = {
        ("hub", "first"): 1000, ("hub", "late"): 1000, ("hub", "long"): 1000,
        ("first", "late"): 1000, ("first", "long"): 1100, ("late", "long"): 100,
    }  # fmt: skip
    distance_m = np.zeros((4, 4))
    for (a, b), m in metres.items():
        distance_m[places.index(a), places.index(b)] = distance_m[
            places.index(b), places.index(a)
        ] = m
    orders = [
        Order("first", location=1, windows=(TimeWindow(0.0, 500.0),)),
        Order("late", location=2, windows=(TimeWindow(10_000.0, 11_000.0),)),
        Order("long", location=3, service_s=2_000.0),
    ]
    vehicle = replace(van(), hourly_cost_m=3600.0)
    planning_problem = Problem(tuple(orders), (vehicle,), distance_m / 10.0, distance_m)
    solution = solve_checked(planning_problem)

    (route,) = solution.routes
    assert route.order_ids == ("first", "long", "late")
    assert route.end_s == pytest.approx(10_100.0)


def test_a_route_that_would_wait_past_its_maximum_duration_leaves_later_instead() -> None:
    orders = [
        Order("any-time", location=1),
        Order("afternoon", location=2, windows=(TimeWindow(20_000.0, 21_000.0),)),
    ]
    vehicle = van(max_duration_s=1_000.0)
    solution = solve_checked(problem([0.0, 100.0, 200.0], orders, [vehicle]))

    (route,) = solution.routes
    assert route.duration_s <= 1_000.0
    assert route.start_s > 19_000.0


def test_capacity_forces_a_second_vehicle() -> None:
    orders = [Order(f"o{i}", location=i, demand=Load(weight_kg=60.0)) for i in (1, 2)]
    solution = solve_checked(problem([0.0, 100.0, 200.0], orders, [van("v1"), van("v2")]))

    assert len(solution.routes) == 2
    assert solution.unassigned == ()
    assert sorted(len(route.stops) for route in solution.routes) == [1, 1]


def test_a_full_van_sends_out_a_second_even_when_the_drive_out_is_long() -> None:
    """Overloading one van must never look cheaper to the search than driving a second."""
    orders = [Order(f"o{i}", location=i, demand=Load(parcels=1)) for i in range(1, 7)]
    vans = [van(f"v{i}", capacity=Capacity(parcels=3)) for i in (1, 2)]
    far_away = [0.0, *(20_000.0 + 10 * i for i in range(1, 7))]
    solution = solve_checked(problem(far_away, orders, vans), seconds=1.0)

    assert solution.unassigned == ()
    assert sorted(len(route.stops) for route in solution.routes) == [3, 3]


def test_a_valuable_order_that_does_not_fit_is_left_out_not_squeezed_in() -> None:
    """However large an order's prize, it never pays for overloading the van."""
    orders = [
        Order(f"o{i}", location=i, demand=Load(parcels=1), priority=9, required=False)
        for i in range(1, 5)
    ]
    far_away = [0.0, *(20_000.0 + 10 * i for i in range(1, 5))]
    solution = solve_checked(
        problem(far_away, orders, [van(capacity=Capacity(parcels=3))]), seconds=1.0
    )

    assert [len(route.stops) for route in solution.routes] == [3]
    (left,) = solution.unassigned
    assert left.reason is Reason.FLEET_CAPACITY


def test_an_order_needing_a_skill_rides_with_the_only_vehicle_that_has_it() -> None:
    orders = [
        Order("ice", location=1, skills=frozenset({"cold_chain"})),
        Order("book", location=2),
    ]
    vehicles = [van("plain"), van("fridge", skills=frozenset({"cold_chain"}))]
    solution = solve_checked(problem([0.0, 100.0, 200.0], orders, vehicles))

    on = {order_id: route.vehicle_id for route in solution.routes for order_id in route.order_ids}
    assert on["ice"] == "fridge"
    assert set(on) == {"ice", "book"}


def test_an_unreachable_window_is_reported_and_the_rest_planned() -> None:
    orders = [
        Order("far", location=1, windows=(TimeWindow(0.0, 100.0),)),
        Order("near", location=2),
    ]
    solution = solve_checked(problem([0.0, 5000.0, 100.0], orders, [van()]))

    assert [route.order_ids for route in solution.routes] == [("near",)]
    (left,) = solution.unassigned
    assert left.order_id == "far"
    assert left.reason is Reason.UNREACHABLE_WINDOW
    assert "far" in left.message


def test_an_oversize_order_is_reported_with_its_dimension() -> None:
    orders = [Order("sofa", location=1, demand=Load(weight_kg=50.0, volume_m3=3.0))]
    vehicles = [van(capacity=Capacity(weight_kg=500.0, volume_m3=2.0))]
    solution = solve_checked(problem([0.0, 100.0], orders, vehicles))

    assert solution.routes == ()
    (left,) = solution.unassigned
    assert left.reason is Reason.OVER_CAPACITY
    assert "sofa" in left.message
    assert "volume_m3" in left.message
    assert "weight_kg" not in left.message


def test_a_route_may_end_at_another_depot() -> None:
    orders = [Order("a", location=1), Order("b", location=2)]
    solution = solve_checked(problem([0.0, 1000.0, 2000.0, 3000.0], orders, [van(depot=0, end=3)]))

    (route,) = solution.routes
    assert (route.start_location, route.end_location) == (0, 3)
    assert route.order_ids == ("a", "b")
    assert route.distance_m == pytest.approx(3000.0)
    assert route.duration_s == pytest.approx(300.0)


def test_maximum_route_duration_splits_the_work() -> None:
    orders = [Order("west", location=1), Order("east", location=2)]
    positions = [0.0, -1000.0, 1000.0]
    vehicles = [van("v1", max_duration_s=250.0), van("v2", max_duration_s=250.0)]
    solution = solve_checked(problem(positions, orders, vehicles))

    assert len(solution.routes) == 2
    assert all(route.duration_s <= 250.0 for route in solution.routes)


def test_when_time_runs_out_the_dropped_order_says_so() -> None:
    orders = [Order("west", location=1), Order("east", location=2)]
    solution = solve_checked(problem([0.0, -1000.0, 1000.0], orders, [van(max_duration_s=250.0)]))

    assert len(solution.routes) == 1
    (left,) = solution.unassigned
    assert left.reason is Reason.FLEET_TIME
    assert "not enough time" in left.message


def test_lower_priority_optional_orders_are_dropped_first() -> None:
    orders = [
        Order("low", location=1, demand=Load(weight_kg=80.0), priority=0, required=False),
        Order("high", location=2, demand=Load(weight_kg=80.0), priority=5, required=False),
    ]
    solution = solve_checked(problem([0.0, 100.0, 5000.0], orders, [van()]))

    assert [route.order_ids for route in solution.routes] == [("high",)]
    (left,) = solution.unassigned
    assert left.order_id == "low"
    assert left.reason is Reason.FLEET_CAPACITY
    assert "weight_kg" in left.message


def test_required_orders_that_cannot_all_fit_still_give_a_plan() -> None:
    orders = [Order(f"o{i}", location=i, demand=Load(weight_kg=80.0)) for i in (1, 2)]
    solution = solve_checked(problem([0.0, 100.0, 200.0], orders, [van()]), seconds=0.4)

    assert len(solution.routes) == 1
    (left,) = solution.unassigned
    assert left.reason is Reason.FLEET_CAPACITY
    assert "not enough capacity" in left.message


def test_an_order_with_two_windows_is_served_in_the_one_it_can_reach() -> None:
    windows = (TimeWindow(0.0, 10.0), TimeWindow(500.0, 600.0))
    orders = [Order("twice", location=1, service_s=30.0, windows=windows)]
    solution = solve_checked(problem([0.0, 1000.0], orders, [van()]))

    (route,) = solution.routes
    (stop,) = route.stops
    assert 500.0 <= stop.start_s <= 600.0
    assert stop.departure_s == pytest.approx(stop.start_s + 30.0)


def test_without_vehicles_every_order_is_unassigned() -> None:
    solution = solve_checked(problem([0.0, 100.0], [Order("a", location=1)], []))

    assert solution.routes == ()
    assert [item.order_id for item in solution.unassigned] == ["a"]


def test_solomon_c101_comes_close_to_the_best_known_distance() -> None:
    path = shared_data("vrptw/solomon") / "C101.txt"
    c101 = read_instance(path, instance_format="solomon")

    solution = solve_checked(c101, seconds=2.0)

    assert solution.unassigned == ()
    assert solution.vehicles_used == 10
    assert solution.distance_m <= 828.94 * 1.01


def test_the_search_reports_its_progress_in_seconds_searched() -> None:
    orders = [Order(f"o{i}", location=i) for i in range(1, 6)]
    reported: list[float] = []
    PyVRPSolver().solve(
        problem([0.0, 100.0, 200.0, -100.0, -200.0, 300.0], orders, [van()]),
        time_limit_s=0.3,
        progress=reported.append,
    )
    assert reported, "a 0.3 s search reports at least once"
    assert reported == sorted(reported)
    assert reported[0] >= 0.0
