import pytest
from tests.planning.builders import problem, van

from lastmile.errors import InvalidInput
from lastmile.planning.checker import check
from lastmile.planning.insertion import Inserted, Timing, insert_order, route_distance_m, time_stops
from lastmile.planning.problem import Capacity, Load, Order, Problem, TimeWindow
from lastmile.planning.solver import Reason, Route, Solution, Unassigned

POSITIONS = [0.0, 1000.0, 2000.0, 3000.0, 1500.0, 500.0]


def _planned(planning: Problem, order_ids: list[str]) -> Route:
    """The earliest schedule for the first vehicle visiting `order_ids` in turn."""
    vehicle = planning.vehicles[0]
    orders = [planning.orders_by_id[order_id] for order_id in order_ids]
    timed = time_stops(
        problem=planning,
        vehicle=vehicle,
        orders=orders,
        origin=vehicle.start_location,
        depart_s=vehicle.shift_start_s,
    )
    assert isinstance(timed, Timing)
    return Route(
        vehicle_id=vehicle.id,
        start_location=vehicle.start_location,
        end_location=vehicle.end_location,
        stops=timed.stops,
        start_s=timed.start_s,
        end_s=timed.end_s,
        distance_m=route_distance_m(planning, vehicle, orders),
    )


def _abc(
    *extra: Order, capacity: Capacity | None = None, max_duration_s: float = float("inf")
) -> Problem:
    orders = [
        Order("a", location=1, demand=Load(weight_kg=40.0)),
        Order("b", location=2, demand=Load(weight_kg=40.0)),
        Order("c", location=3),
        *extra,
    ]
    return problem(POSITIONS, orders, [van(capacity=capacity, max_duration_s=max_duration_s)])


def test_the_new_order_goes_to_the_cheapest_place_after_the_completed_stops() -> None:
    new = Order("n", location=5)
    planning = _abc(new)
    route = _planned(planning, ["a", "b", "c"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=2, now_s=250.0)

    assert isinstance(result, Inserted)
    assert result.route.order_ids == ("a", "b", "c", "n")
    assert result.position == 3
    assert result.added_distance_m == pytest.approx(0.0)
    assert result.route.stops[:2] == route.stops[:2]
    assert result.route.stops[2].arrival_s == pytest.approx(350.0)
    assert check(planning, Solution((result.route,), ())) == []


def test_an_order_on_the_way_is_slotted_in_between() -> None:
    new = Order("n", location=4, service_s=60.0)
    planning = _abc(new)
    route = _planned(planning, ["a", "b", "c"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=1, now_s=120.0)

    assert isinstance(result, Inserted)
    assert result.route.order_ids == ("a", "n", "b", "c")
    assert result.route.stops[1].arrival_s == pytest.approx(170.0)
    assert result.route.stops[2].arrival_s == pytest.approx(280.0)
    assert result.route.distance_m == pytest.approx(route.distance_m)
    assert check(planning, Solution((result.route,), ())) == []


def test_a_window_pushes_the_order_to_a_dearer_position() -> None:
    new = Order("n", location=4, windows=(TimeWindow(0.0, 155.0),))
    orders = [Order("a", location=1, service_s=100.0), Order("b", location=2), new]
    planning = problem(POSITIONS, orders, [van()])
    route = _planned(planning, ["a", "b"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=0, now_s=0.0)

    assert isinstance(result, Inserted)
    assert result.route.order_ids == ("n", "a", "b")
    assert result.added_distance_m == pytest.approx(1000.0)
    assert check(planning, Solution((result.route,), ())) == []


def test_a_window_that_cannot_be_met_is_refused_with_the_order_named() -> None:
    new = Order("n", location=3, windows=(TimeWindow(0.0, 100.0),))
    planning = _abc(new)
    route = _planned(planning, ["a", "b"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=1, now_s=100.0)

    assert isinstance(result, Unassigned)
    assert result.reason is Reason.ROUTE_TIME
    assert result.message.startswith("order n cannot be fitted into v1's route")
    assert "after its last window closes at 0:01:40" in result.message


def test_a_position_that_would_make_a_later_stop_late_is_skipped() -> None:
    new = Order("n", location=4, service_s=60.0)
    orders = [
        Order("a", location=1),
        Order("b", location=2, windows=(TimeWindow(0.0, 200.0),)),
        new,
    ]
    planning = problem(POSITIONS, orders, [van()])
    route = _planned(planning, ["a", "b"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=1, now_s=100.0)

    assert isinstance(result, Inserted)
    assert result.route.order_ids == ("a", "b", "n")
    assert result.added_distance_m == pytest.approx(0.0)
    assert check(planning, Solution((result.route,), ())) == []


def test_capacity_counts_only_what_is_still_on_board() -> None:
    new = Order("n", location=4, demand=Load(weight_kg=30.0))
    planning = _abc(new, capacity=Capacity(weight_kg=100.0))
    route = _planned(planning, ["a", "b", "c"])

    before_leaving = insert_order(
        problem=planning, route=route, order=new, completed_stops=0, now_s=0.0
    )
    after_a = insert_order(problem=planning, route=route, order=new, completed_stops=1, now_s=100.0)

    assert isinstance(before_leaving, Unassigned)
    assert before_leaving.reason is Reason.ROUTE_CAPACITY
    assert "110 weight_kg" in before_leaving.message
    assert isinstance(after_a, Inserted)


def test_a_missing_skill_is_refused() -> None:
    new = Order("n", location=4, skills=frozenset({"cold_chain"}))
    planning = _abc(new)
    route = _planned(planning, ["a"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=0, now_s=0.0)

    assert isinstance(result, Unassigned)
    assert result.reason is Reason.NO_SKILL
    assert result.message == "order n needs cold_chain, which v1 lacks"


def test_a_route_not_yet_started_leaves_later_instead_of_waiting() -> None:
    new = Order("n", location=1, windows=(TimeWindow(1000.0, 1100.0),))
    planning = problem(POSITIONS, [new], [van(max_duration_s=300.0)])
    empty = Route("v1", 0, 0, (), 0.0, 0.0, 0.0)

    result = insert_order(problem=planning, route=empty, order=new, completed_stops=0, now_s=0.0)

    assert isinstance(result, Inserted)
    assert result.route.start_s == pytest.approx(900.0)
    assert result.route.duration_s == pytest.approx(200.0)
    assert check(planning, Solution((result.route,), ())) == []


def test_a_route_already_under_way_counts_its_real_start_against_max_duration() -> None:
    new = Order("n", location=3)
    planning = _abc(new, max_duration_s=500.0)
    route = _planned(planning, ["a", "b"])

    result = insert_order(problem=planning, route=route, order=new, completed_stops=2, now_s=300.0)

    assert isinstance(result, Unassigned)
    assert result.reason is Reason.ROUTE_TIME
    assert "the route would last 700 s, more than the 500 s allowed" in result.message


@pytest.mark.parametrize("completed_stops", [-1, 4])
def test_completed_stops_must_lie_within_the_route(completed_stops: int) -> None:
    new = Order("n", location=4)
    planning = _abc(new)
    route = _planned(planning, ["a", "b", "c"])

    with pytest.raises(InvalidInput, match="completed_stops"):
        insert_order(
            problem=planning, route=route, order=new, completed_stops=completed_stops, now_s=0.0
        )


def test_an_order_already_on_the_route_is_an_error() -> None:
    planning = _abc()
    route = _planned(planning, ["a", "b"])

    with pytest.raises(InvalidInput, match="already on the route"):
        insert_order(
            problem=planning,
            route=route,
            order=planning.orders_by_id["a"],
            completed_stops=0,
            now_s=0.0,
        )
