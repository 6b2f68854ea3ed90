"""Why an order cannot be served: screened before solving, explained after it for leftovers.

Before solving, each order is tried against each vehicle alone: skills, then capacity per
dimension, then service time against the shift, then whether a window can be reached from
the vehicle's start depot within its shift (service must *start* within a window, as in
VRPTW, so a service longer than its window is fine). After solving, a dropped order is
tried at every position of every route to tell which resource of the fleet ran out.
"""

from collections.abc import Sequence

from lastmile.planning.insertion import Inserted, Late, insert_order, time_stops
from lastmile.planning.problem import DIMENSIONS, Order, Problem, Vehicle
from lastmile.planning.solver import Reason, Route, Unassigned, format_clock


def screen(problem: Problem) -> tuple[tuple[Order, ...], tuple[Unassigned, ...]]:
    """Split the orders into those some vehicle could serve on its own and those none can."""
    servable: list[Order] = []
    refused: list[Unassigned] = []
    kinds = _distinct(problem.vehicles)
    for order in problem.orders:
        reason = _refusal(problem, order, kinds)
        if reason is None:
            servable.append(order)
        else:
            refused.append(reason)
    return tuple(servable), tuple(refused)


def refusal(problem: Problem, order: Order) -> Unassigned | None:
    """Why no vehicle of the fleet could serve `order` even on an otherwise empty route."""
    return _refusal(problem, order, _distinct(problem.vehicles))


def _refusal(problem: Problem, order: Order, kinds: Sequence[Vehicle]) -> Unassigned | None:
    if not kinds:
        return Unassigned(order.id, Reason.FLEET_FULL, f"order {order.id}: the fleet is empty")
    skilled = [vehicle for vehicle in kinds if vehicle.can_serve_skills(order)]
    if not skilled:
        return _no_skill(problem, order)
    roomy = [vehicle for vehicle in skilled if not _too_big_for(order, vehicle)]
    if not roomy:
        return _over_capacity(order, skilled)
    long_enough = [vehicle for vehicle in roomy if order.service_s <= _longest_route_s(vehicle)]
    if not long_enough:
        longest_s = max(_longest_route_s(vehicle) for vehicle in roomy)
        return Unassigned(
            order.id,
            Reason.SERVICE_TOO_LONG,
            f"order {order.id} needs {order.service_s:.0f} s of service, longer than any"
            f" shift or maximum route duration of a suitable vehicle ({longest_s:.0f} s)",
        )
    failures: list[Late] = []
    for vehicle in long_enough:
        timed = time_stops(
            problem=problem,
            vehicle=vehicle,
            orders=[order],
            origin=vehicle.start_location,
            depart_s=vehicle.shift_start_s,
        )
        if not isinstance(timed, Late):
            return None
        failures.append(timed)
    return _unreachable(problem, order, long_enough, failures)


def explain_dropped(problem: Problem, routes: Sequence[Route], order: Order) -> Unassigned:
    """Why the solver left out an order that some vehicle could serve alone."""
    by_vehicle = {route.vehicle_id: route for route in routes}
    idle = _distinct([vehicle for vehicle in problem.vehicles if vehicle.id not in by_vehicle])
    candidates = [
        *((problem.vehicles_by_id[route.vehicle_id], route) for route in routes),
        *((vehicle, _empty_route(problem, vehicle)) for vehicle in idle),
    ]
    capacity: list[str] = []
    time: list[str] = []
    fits: list[str] = []
    for vehicle, route in candidates:
        if not vehicle.can_serve_skills(order):
            continue
        result = insert_order(
            problem=problem,
            route=route,
            order=order,
            completed_stops=0,
            now_s=vehicle.shift_start_s,
        )
        if isinstance(result, Inserted):
            fits.append(vehicle.id)
        elif result.reason is Reason.ROUTE_CAPACITY:
            capacity.append(result.message)
        else:
            time.append(result.message)
    if fits:
        return Unassigned(
            order.id,
            Reason.LEFT_OUT,
            f"order {order.id} fits on {', '.join(fits)} but the search left it out within its"
            " time limit (an optional order is kept only while it outweighs its detour)",
        )
    if capacity and not time:
        return Unassigned(
            order.id,
            Reason.FLEET_CAPACITY,
            f"order {order.id} dropped: not enough capacity in the fleet ({capacity[0]})",
        )
    if time and not capacity:
        return Unassigned(
            order.id,
            Reason.FLEET_TIME,
            f"order {order.id} dropped: not enough time in the fleet ({time[0]})",
        )
    return Unassigned(
        order.id,
        Reason.FLEET_FULL,
        f"order {order.id} dropped: not enough capacity or time in the fleet"
        f" ({len(capacity)} vehicles full, {len(time)} out of time; e.g. {capacity[0]})",
    )


def _distinct(vehicles: Sequence[Vehicle]) -> list[Vehicle]:
    """One vehicle of each kind: the screen's answer is the same for identical vehicles."""
    kinds: dict[tuple[object, ...], Vehicle] = {}
    for vehicle in vehicles:
        kind = (
            vehicle.start_location,
            vehicle.end_location,
            vehicle.capacity,
            vehicle.shift_start_s,
            vehicle.shift_end_s,
            vehicle.max_duration_s,
            vehicle.skills,
        )
        kinds.setdefault(kind, vehicle)
    return list(kinds.values())


def _no_skill(problem: Problem, order: Order) -> Unassigned:
    fleet_skills = frozenset().union(*(vehicle.skills for vehicle in problem.vehicles))
    missing = sorted(order.skills - fleet_skills)
    if missing:
        detail = f"no vehicle has {', '.join(missing)}"
    else:
        detail = f"no single vehicle has all of {', '.join(sorted(order.skills))}"
    return Unassigned(order.id, Reason.NO_SKILL, f"order {order.id} needs skills: {detail}")


def _too_big_for(order: Order, vehicle: Vehicle) -> list[str]:
    return [
        dimension
        for dimension in DIMENSIONS
        if order.demand.amount(dimension) > vehicle.capacity.limit(dimension)
    ]


def _over_capacity(order: Order, vehicles: Sequence[Vehicle]) -> Unassigned:
    details = []
    for dimension in DIMENSIONS:
        largest = max(vehicle.capacity.limit(dimension) for vehicle in vehicles)
        if order.demand.amount(dimension) > largest:
            details.append(
                f"{dimension} {order.demand.amount(dimension):g} exceeds the largest"
                f" suitable vehicle's {largest:g}"
            )
    if not details:
        details = [
            f"{vehicle.id} too small in {', '.join(_too_big_for(order, vehicle))}"
            for vehicle in vehicles
        ]
        details.insert(0, "no vehicle fits every dimension at once")
    return Unassigned(
        order.id, Reason.OVER_CAPACITY, f"order {order.id} is too big: {'; '.join(details)}"
    )


def _longest_route_s(vehicle: Vehicle) -> float:
    return min(vehicle.shift_end_s - vehicle.shift_start_s, vehicle.max_duration_s)


def _unreachable(
    problem: Problem, order: Order, vehicles: Sequence[Vehicle], failures: Sequence[Late]
) -> Unassigned:
    if all(failure.kind == "window" for failure in failures):
        earliest_s, first = min(
            (
                vehicle.shift_start_s
                + float(problem.duration_s[vehicle.start_location, order.location]),
                vehicle.id,
            )
            for vehicle in vehicles
        )
        windows = ", ".join(
            f"{format_clock(window.start_s)}-{format_clock(window.end_s)}"
            for window in order.windows
        )
        return Unassigned(
            order.id,
            Reason.UNREACHABLE_WINDOW,
            f"order {order.id}: its window {windows} cannot be reached within any shift;"
            f" the earliest arrival is {format_clock(earliest_s)} ({first})",
        )
    detail = next(failure for failure in failures if failure.kind != "window")
    return Unassigned(
        order.id,
        Reason.UNREACHABLE_WINDOW,
        f"order {order.id} cannot be served within any vehicle's shift: {detail.message}",
    )


def _empty_route(problem: Problem, vehicle: Vehicle) -> Route:
    start, end = vehicle.start_location, vehicle.end_location
    return Route(
        vehicle_id=vehicle.id,
        start_location=start,
        end_location=end,
        stops=(),
        start_s=vehicle.shift_start_s,
        end_s=vehicle.shift_start_s + float(problem.duration_s[start, end]),
        distance_m=float(problem.distance_m[start, end]),
    )
