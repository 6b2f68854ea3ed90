"""Put one late order into a route already under way, never touching the stops already made.

Positions after the completed prefix are tried from the smallest added distance up; the
first one whose schedule keeps every window, the shift end and the maximum duration wins,
so the answer is the cheapest feasible insertion. Each try re-times only the stops after
the insertion point: O(n) per position, O(n²) at worst for a route of n stops.

Capacity counts what is still on board after the completed stops plus the new order:
the late parcel is taken to be handed to the driver (or already loaded).
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lastmile.errors import InvalidInput
from lastmile.planning.problem import DIMENSIONS, Load, Order, Problem, Vehicle
from lastmile.planning.solver import Reason, Route, Stop, Unassigned, format_clock

EPS_S = 1e-6
EPS_LOAD = 1e-9


@dataclass(frozen=True, slots=True)
class Timing:
    """A feasible schedule: stops with times, departure from and return to the depots."""

    stops: tuple[Stop, ...]
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Late:
    """Why a schedule fails: a window missed, the shift end passed, or the route too long."""

    kind: Literal["window", "shift", "duration"]
    order_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Inserted:
    """The route with the new order in it, where it went, and the extra distance driven."""

    route: Route
    position: int
    added_distance_m: float


def time_stops(
    *,
    problem: Problem,
    vehicle: Vehicle,
    orders: Sequence[Order],
    origin: int,
    depart_s: float,
    route_start_s: float | None = None,
) -> Timing | Late:
    """Earliest schedule visiting `orders` in turn after leaving `origin` at `depart_s`.

    With `route_start_s` the vehicle has already left its depot at that time. Without it
    the vehicle is still at its start depot: it leaves at `depart_s`, later only so as not
    to wait outside the first stop for its window to open, and serves every stop as early
    as it can. Only if waiting at later stops would make the route longer than
    `max_duration_s` does it leave as late as the windows allow instead.
    """
    timed = _forward(problem, vehicle, orders, origin, depart_s)
    if isinstance(timed, Late):
        return timed
    if route_start_s is not None:
        return _within_duration(vehicle, timed, route_start_s)
    if timed.stops and timed.stops[0].wait_s > 0:
        later = _forward(problem, vehicle, orders, origin, depart_s + timed.stops[0].wait_s)
        if isinstance(later, Timing):
            timed = later
    early = _within_duration(vehicle, timed, timed.start_s)
    if isinstance(early, Timing):
        return early
    delay_s = _free_delay_s(orders, timed)
    compact = _forward(problem, vehicle, orders, origin, timed.start_s + delay_s)
    if isinstance(compact, Late):
        return early
    return _within_duration(vehicle, compact, compact.start_s)


def _within_duration(vehicle: Vehicle, timed: Timing, route_start_s: float) -> Timing | Late:
    duration_s = timed.end_s - route_start_s
    if duration_s > vehicle.max_duration_s + EPS_S:
        return Late(
            "duration",
            None,
            f"the route would last {duration_s:.0f} s, more than the {vehicle.max_duration_s:.0f} s"
            f" allowed for vehicle {vehicle.called}",
        )
    return Timing(timed.stops, route_start_s, timed.end_s)


def insert_order(
    *, problem: Problem, route: Route, order: Order, completed_stops: int, now_s: float
) -> Inserted | Unassigned:
    """Cheapest feasible insertion of `order` after the first `completed_stops` stops.

    `now_s` is the current time: the vehicle is at its last completed stop (or, with none
    completed, at its start depot and leaves no earlier than `now_s`).
    """
    vehicle = problem.vehicles_by_id.get(route.vehicle_id)
    if vehicle is None:
        raise InvalidInput(
            "route.vehicle_id", f"vehicle {route.vehicle_id!r} is not in the problem"
        )
    if not 0 <= completed_stops <= len(route.stops):
        raise InvalidInput(
            "completed_stops", f"is {completed_stops}: the route has {len(route.stops)} stops"
        )
    if order.id in route.order_ids:
        raise InvalidInput("order.id", f"order {order.id!r} is already on the route")

    if not vehicle.can_serve_skills(order):
        missing = ", ".join(sorted(order.skills - vehicle.skills))
        return Unassigned(
            order.id,
            Reason.NO_SKILL,
            f"order {order.id} needs {missing}, which {vehicle.called} lacks",
        )
    stop_orders = [problem.orders_by_id[order_id] for order_id in route.order_ids]
    full = _over_capacity(vehicle, [*stop_orders[completed_stops:], order])
    if full is not None:
        return Unassigned(order.id, Reason.ROUTE_CAPACITY, f"order {order.id}: {full}")

    if completed_stops:
        origin = stop_orders[completed_stops - 1].location
        depart_s, route_start_s = now_s, route.start_s
    else:
        origin = vehicle.start_location
        depart_s, route_start_s = max(now_s, vehicle.shift_start_s), None
    prefix, rest = stop_orders[:completed_stops], stop_orders[completed_stops:]
    failures: list[Late] = []
    for position in _positions_by_added_distance(
        problem, vehicle, stop_orders, order, completed_stops
    ):
        offset = position - completed_stops
        candidate = [*rest[:offset], order, *rest[offset:]]
        timed = time_stops(
            problem=problem,
            vehicle=vehicle,
            orders=candidate,
            origin=origin,
            depart_s=depart_s,
            route_start_s=route_start_s,
        )
        if isinstance(timed, Late):
            failures.append(timed)
            continue
        new_route = Route(
            vehicle_id=vehicle.id,
            start_location=route.start_location,
            end_location=route.end_location,
            stops=(*route.stops[:completed_stops], *timed.stops),
            start_s=timed.start_s,
            end_s=timed.end_s,
            distance_m=route_distance_m(problem, vehicle, [*prefix, *candidate]),
        )
        return Inserted(new_route, position, new_route.distance_m - route.distance_m)
    return Unassigned(order.id, Reason.ROUTE_TIME, _time_message(order, vehicle, failures))


def route_distance_m(problem: Problem, vehicle: Vehicle, orders: Sequence[Order]) -> float:
    """Driving distance from the start depot through `orders` to the end depot."""
    path = [vehicle.start_location, *(order.location for order in orders), vehicle.end_location]
    return float(sum(problem.distance_m[a, b] for a, b in itertools.pairwise(path)))


def _forward(
    problem: Problem, vehicle: Vehicle, orders: Sequence[Order], origin: int, depart_s: float
) -> Timing | Late:
    stops: list[Stop] = []
    at, now_s = origin, depart_s
    for order in orders:
        arrival_s = now_s + float(problem.duration_s[at, order.location])
        start_s = _service_start_s(order, arrival_s)
        if start_s is None:
            last_end_s = max(window.end_s for window in order.windows)
            return Late(
                "window",
                order.id,
                f"order {order.id} would be reached at {format_clock(arrival_s)},"
                f" after its last window closes at {format_clock(last_end_s)}",
            )
        stops.append(Stop(order.id, arrival_s, start_s, start_s + order.service_s))
        at, now_s = order.location, start_s + order.service_s
    end_s = now_s + float(problem.duration_s[at, vehicle.end_location])
    if end_s > vehicle.shift_end_s + EPS_S:
        return Late(
            "shift",
            None,
            f"{vehicle.called} would be back at {format_clock(end_s)},"
            f" after its shift ends at {format_clock(vehicle.shift_end_s)}",
        )
    return Timing(tuple(stops), depart_s, end_s)


def _service_start_s(order: Order, arrival_s: float) -> float | None:
    if not order.windows:
        return arrival_s
    for window in sorted(order.windows, key=lambda w: w.start_s):
        if arrival_s <= window.end_s + EPS_S:
            return max(arrival_s, window.start_s)
    return None


def _free_delay_s(orders: Sequence[Order], timed: Timing) -> float:
    """How much later the vehicle can leave and still start every service within its window.

    Capped at the total waiting, so the return time does not move and the route only gets
    shorter.
    """
    waited_s = 0.0
    delay_s = float("inf")
    for order, stop in zip(orders, timed.stops, strict=True):
        waited_s += stop.wait_s
        delay_s = min(delay_s, waited_s + _window_end_s(order, stop.start_s) - stop.start_s)
    return max(0.0, min(delay_s, waited_s))


def _window_end_s(order: Order, start_s: float) -> float:
    for window in order.windows:
        if window.start_s - EPS_S <= start_s <= window.end_s + EPS_S:
            return window.end_s
    return float("inf")


def _over_capacity(vehicle: Vehicle, orders: Sequence[Order]) -> str | None:
    on_board = sum((order.demand for order in orders), Load())
    for dimension in DIMENSIONS:
        limit = vehicle.capacity.limit(dimension)
        if on_board.amount(dimension) > limit * (1 + EPS_LOAD) + EPS_LOAD:
            return (
                f"{vehicle.called} would carry {on_board.amount(dimension):g} {dimension},"
                f" more than its capacity of {limit:g}"
            )
    return None


def _positions_by_added_distance(
    problem: Problem, vehicle: Vehicle, stops: Sequence[Order], order: Order, first: int
) -> list[int]:
    path = [vehicle.start_location, *(stop.location for stop in stops), vehicle.end_location]
    distance = problem.distance_m

    def added_m(position: int) -> float:
        before, after = path[position], path[position + 1]
        return float(
            distance[before, order.location]
            + distance[order.location, after]
            - distance[before, after]
        )

    return sorted(range(first, len(stops) + 1), key=lambda position: (added_m(position), position))


def _time_message(order: Order, vehicle: Vehicle, failures: Sequence[Late]) -> str:
    own = [failure for failure in failures if failure.order_id == order.id]
    if failures and len(own) == len(failures):
        return f"order {order.id} cannot be fitted into {vehicle.called}'s route: {own[0].message}"
    others = [failure for failure in failures if failure.order_id != order.id]
    return (
        f"order {order.id} cannot be fitted into {vehicle.called}'s route"
        f" at any of {len(failures)} positions; at the cheapest: {others[0].message}"
    )
