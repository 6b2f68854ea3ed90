from tests.planning.builders import problem, van

from lastmile.planning.problem import Capacity, Load, Order, TimeWindow, Vehicle
from lastmile.planning.reasons import explain_dropped, refusal, screen
from lastmile.planning.solver import Reason, Route, Stop

POSITIONS = [0.0, 1000.0, 2000.0]


def test_servable_orders_pass_the_screen() -> None:
    orders = [Order("a", location=1), Order("b", location=2, windows=(TimeWindow(0.0, 500.0),))]
    servable, refused = screen(problem(POSITIONS, orders, [van()]))

    assert [order.id for order in servable] == ["a", "b"]
    assert refused == ()


def test_a_skill_no_vehicle_has_is_named() -> None:
    order = Order("fish", location=1, skills=frozenset({"cold_chain"}))
    reason = refusal(problem(POSITIONS, [order], [van()]), order)

    assert reason is not None
    assert reason.reason is Reason.NO_SKILL
    assert reason.message == "order fish needs skills: no vehicle has cold_chain"


def test_skills_spread_over_two_vehicles_do_not_count() -> None:
    order = Order("x", location=1, skills=frozenset({"cold_chain", "fragile"}))
    vehicles = [van("a", skills=frozenset({"cold_chain"})), van("b", skills=frozenset({"fragile"}))]
    reason = refusal(problem(POSITIONS, [order], vehicles), order)

    assert reason is not None
    assert reason.reason is Reason.NO_SKILL
    assert "no single vehicle has all of cold_chain, fragile" in reason.message


def test_the_oversize_dimension_is_named() -> None:
    order = Order("pallets", location=1, demand=Load(weight_kg=10.0, parcels=40))
    vehicles = [van(capacity=Capacity(parcels=30)), van("v2", capacity=Capacity(parcels=25))]
    reason = refusal(problem(POSITIONS, [order], vehicles), order)

    assert reason is not None
    assert reason.reason is Reason.OVER_CAPACITY
    assert "parcels 40 exceeds the largest suitable vehicle's 30" in reason.message


def test_no_vehicle_fitting_every_dimension_at_once_is_explained() -> None:
    order = Order("odd", location=1, demand=Load(weight_kg=50.0, volume_m3=5.0))
    vehicles = [
        van("heavy", capacity=Capacity(weight_kg=100.0, volume_m3=1.0)),
        van("bulky", capacity=Capacity(weight_kg=10.0, volume_m3=10.0)),
    ]
    reason = refusal(problem(POSITIONS, [order], vehicles), order)

    assert reason is not None
    assert reason.reason is Reason.OVER_CAPACITY
    assert "heavy too small in volume_m3" in reason.message
    assert "bulky too small in weight_kg" in reason.message


def test_service_longer_than_any_shift() -> None:
    order = Order("assembly", location=1, service_s=5 * 3600.0)
    reason = refusal(problem(POSITIONS, [order], [van(shift_end_s=4 * 3600.0)]), order)

    assert reason is not None
    assert reason.reason is Reason.SERVICE_TOO_LONG
    assert "assembly" in reason.message


def test_a_window_closing_before_anyone_can_arrive() -> None:
    order = Order("early", location=2, windows=(TimeWindow(0.0, 60.0),))
    reason = refusal(problem(POSITIONS, [order], [van()]), order)

    assert reason is not None
    assert reason.reason is Reason.UNREACHABLE_WINDOW
    assert reason.message == (
        "order early: its window 0:00:00-0:01:00 cannot be reached within any shift;"
        " the earliest arrival is 0:03:20 (v1)"
    )


def test_a_shift_ending_before_the_way_back() -> None:
    order = Order("late", location=2, windows=(TimeWindow(0.0, 10_000.0),), service_s=100.0)
    reason = refusal(problem(POSITIONS, [order], [van(shift_end_s=450.0)]), order)

    assert reason is not None
    assert reason.reason is Reason.UNREACHABLE_WINDOW
    assert "after its shift ends at 0:07:30" in reason.message


def _full_route(vehicle: Vehicle) -> Route:
    return Route(
        vehicle_id=vehicle.id,
        start_location=0,
        end_location=0,
        stops=(Stop("a", 100.0, 100.0, 100.0),),
        start_s=0.0,
        end_s=200.0,
        distance_m=2000.0,
    )


def test_a_dropped_order_names_the_fleet_capacity() -> None:
    vehicle = van(capacity=Capacity(weight_kg=100.0))
    orders = [
        Order("a", location=1, demand=Load(weight_kg=90.0)),
        Order("b", location=2, demand=Load(weight_kg=20.0)),
    ]
    planning = problem(POSITIONS, orders, [vehicle])
    reason = explain_dropped(planning, [_full_route(vehicle)], orders[1])

    assert reason.reason is Reason.FLEET_CAPACITY
    assert reason.message.startswith("order b dropped: not enough capacity in the fleet")
    assert "110 weight_kg" in reason.message


def test_a_dropped_order_names_the_fleet_time() -> None:
    vehicle = van(max_duration_s=250.0)
    orders = [Order("a", location=1), Order("b", location=2)]
    planning = problem(POSITIONS, orders, [vehicle])
    reason = explain_dropped(planning, [_full_route(vehicle)], orders[1])

    assert reason.reason is Reason.FLEET_TIME
    assert "more than the 250 s allowed for vehicle v1" in reason.message


def test_a_dropped_order_that_still_fits_is_called_left_out() -> None:
    vehicle = van()
    orders = [Order("a", location=1), Order("b", location=2)]
    planning = problem(POSITIONS, orders, [vehicle])
    reason = explain_dropped(planning, [_full_route(vehicle)], orders[1])

    assert reason.reason is Reason.LEFT_OUT
    assert "fits on v1" in reason.message
