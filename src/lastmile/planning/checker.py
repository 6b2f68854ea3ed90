"""Feasibility check of a solution against its problem, sharing no code with any solver.

Every rule is re-derived from the problem alone: depots, the schedule (travel times,
waiting, windows, service), the shift, the maximum duration, capacity per dimension,
skills, each order served at most once and accounted for exactly once, and distances.
"""

import itertools
from collections import Counter

from lastmile.planning.problem import DIMENSIONS, Order, Problem, Vehicle
from lastmile.planning.solver import Route, Solution

TOLERANCE_S = 1e-6
TOLERANCE_M = 1e-6
RELATIVE_TOLERANCE = 1e-9


def check(problem: Problem, solution: Solution) -> list[str]:
    """Every rule the solution breaks, one message each; empty when it is feasible."""
    problems = _accounting(problem, solution)
    vehicle_uses = Counter(route.vehicle_id for route in solution.routes)
    for vehicle_id, uses in vehicle_uses.items():
        if uses > 1:
            problems.append(f"vehicle {vehicle_id} drives {uses} routes")
    for route in solution.routes:
        vehicle = problem.vehicles_by_id.get(route.vehicle_id)
        if vehicle is None:
            problems.append(f"route for unknown vehicle {route.vehicle_id!r}")
            continue
        orders = [problem.orders_by_id[i] for i in route.order_ids if i in problem.orders_by_id]
        if len(orders) != len(route.stops):
            continue
        problems += _schedule(problem, vehicle, route, orders)
        problems += _load_and_skills(vehicle, orders)
        problems += _distance(problem, vehicle, route, orders)
    return problems


def _accounting(problem: Problem, solution: Solution) -> list[str]:
    problems = []
    known = set(problem.orders_by_id)
    served = Counter(order_id for route in solution.routes for order_id in route.order_ids)
    left = Counter(item.order_id for item in solution.unassigned)
    for order_id, count in (served + left).items():
        if order_id not in known:
            problems.append(f"order {order_id!r} is not in the problem")
        elif count > 1:
            problems.append(
                f"order {order_id} appears {count} times"
                f" ({served[order_id]} on routes, {left[order_id]} unassigned)"
            )
    missing = sorted(known - set(served) - set(left))
    if missing:
        problems.append(f"orders neither routed nor unassigned: {', '.join(missing)}")
    return problems


def _schedule(problem: Problem, vehicle: Vehicle, route: Route, orders: list[Order]) -> list[str]:
    who = f"{vehicle.called}'s route"
    problems = []
    if route.start_location != vehicle.start_location:
        problems.append(f"{who} starts at location {route.start_location}, not its depot")
    if route.end_location != vehicle.end_location:
        problems.append(f"{who} ends at location {route.end_location}, not its depot")
    if route.start_s < vehicle.shift_start_s - TOLERANCE_S:
        problems.append(f"{who} leaves at {route.start_s} s, before the shift starts")
    at, free_s = vehicle.start_location, route.start_s
    for order, stop in zip(orders, route.stops, strict=True):
        earliest_s = free_s + float(problem.duration_s[at, order.location])
        if stop.arrival_s < earliest_s - TOLERANCE_S:
            problems.append(
                f"{who} reaches order {order.id} at {stop.arrival_s} s;"
                f" it cannot before {earliest_s} s"
            )
        if stop.start_s < stop.arrival_s - TOLERANCE_S:
            problems.append(f"{who} starts order {order.id} before arriving")
        if order.windows and not any(
            w.start_s - TOLERANCE_S <= stop.start_s <= w.end_s + TOLERANCE_S for w in order.windows
        ):
            problems.append(
                f"{who} starts order {order.id} at {stop.start_s} s, outside its windows"
            )
        if stop.departure_s < stop.start_s + order.service_s - TOLERANCE_S:
            problems.append(f"{who} leaves order {order.id} before its service is done")
        at, free_s = order.location, stop.departure_s
    back_s = free_s + float(problem.duration_s[at, vehicle.end_location])
    if route.end_s < back_s - TOLERANCE_S:
        problems.append(f"{who} ends at {route.end_s} s; it cannot be back before {back_s} s")
    if route.end_s > vehicle.shift_end_s + TOLERANCE_S:
        problems.append(f"{who} ends at {route.end_s} s, after the shift ends")
    duration_s = route.end_s - route.start_s
    if duration_s > vehicle.max_duration_s + TOLERANCE_S:
        problems.append(f"{who} lasts {duration_s} s, over its {vehicle.max_duration_s} s maximum")
    return problems


def _load_and_skills(vehicle: Vehicle, orders: list[Order]) -> list[str]:
    problems = []
    for dimension in DIMENSIONS:
        load = sum(order.demand.amount(dimension) for order in orders)
        limit = vehicle.capacity.limit(dimension)
        if load > limit * (1 + RELATIVE_TOLERANCE):
            problems.append(f"{vehicle.called} carries {load:g} {dimension}, over its {limit:g}")
    for order in orders:
        lacking = order.skills - vehicle.skills
        if lacking:
            problems.append(
                f"{vehicle.called} serves order {order.id} without {', '.join(sorted(lacking))}"
            )
    return problems


def _distance(problem: Problem, vehicle: Vehicle, route: Route, orders: list[Order]) -> list[str]:
    path = [vehicle.start_location, *(order.location for order in orders), vehicle.end_location]
    driven_m = sum(float(problem.distance_m[a, b]) for a, b in itertools.pairwise(path))
    if abs(driven_m - route.distance_m) > TOLERANCE_M + RELATIVE_TOLERANCE * driven_m:
        return [f"{vehicle.called}'s route reports {route.distance_m} m; it drives {driven_m} m"]
    return []
