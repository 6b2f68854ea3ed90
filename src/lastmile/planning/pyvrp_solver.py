"""The `Solver` backed by PyVRP's iterated local search.

How the problem maps onto PyVRP:

- PyVRP works in integers: times and distances are multiplied by `scale` (1000 by default:
  milliseconds, millimetres). Durations, service times and demands are rounded *up* and
  windows, shifts and capacities *down*, so a plan PyVRP finds feasible is feasible in
  the caller's real-valued units. Distances are rounded to nearest; reported distances
  are recomputed from the caller's matrix.
- Every order gets its own PyVRP location (a copy of its row and column of the matrices),
  so two orders at the same address can differ in skills.
- Skills: vehicles that can serve the same set of orders share a routing profile whose
  distance matrix puts `MAX_VALUE` on every edge into or out of an order they lack a
  skill for (PyVRP has no skills; this is its documented way to forbid visits).
- Several windows: one client per window in a mutually exclusive client group.
- Priorities: an optional order's prize is `B * (priority + 1)`, with `B` larger than
  any one order's detour, so an order that fits is always kept and the lowest-priority
  ones are dropped first when not everything fits.
- Required orders are PyVRP-required. If no plan serving all of them turns up within half
  the time limit, the rest of the time goes to a second search in which they are optional
  with a prize above all optional prizes together, so the plan drops as little as it can
  and `reasons.explain_dropped` says why.
- Penalties: PyVRP searches through infeasible plans, charging a bounded penalty per unit
  of excess load or time warp. Loads are scaled so that one parcel, kilogram or litre is
  1,000 units, and the penalty bound is raised to the largest prize per 1,000 units, so
  overloading a van or arriving late never costs less than the order it would let in
  (with PyVRP's default bound a required order's prize paid for ~70 parcels of overload,
  and a 20-van demo day came back with 8 infeasible routes).
"""

import logging
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyvrp
from pyvrp.constants import MAX_VALUE
from pyvrp.exceptions import PenaltyBoundWarning

from lastmile.planning.insertion import Timing, route_distance_m, time_stops
from lastmile.planning.problem import DIMENSIONS, Dimension, Order, Problem, Vehicle
from lastmile.planning.reasons import explain_dropped, screen
from lastmile.planning.solver import Route, Solution, Stop

log = logging.getLogger(__name__)

_EPS = 1e-6
_LOAD_SCALE: dict[Dimension, int] = {"weight_kg": 1000, "volume_m3": 1_000_000, "parcels": 1000}
_VIOLATION_UNIT = 1000
"""Integer units in the smallest violation the penalties must outweigh a prize for."""
_PENALTY_CEILING = 1e10
"""Times a day of time warp in milliseconds (8.64e7 units), the cost stays inside int64."""
IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Model:
    """A PyVRP instance and the maps back to our orders and vehicles."""

    data: pyvrp.ProblemData
    client_orders: tuple[Order, ...]
    type_vehicles: tuple[tuple[Vehicle, ...], ...]


Progress = Callable[[float], None]
"""Told the seconds searched so far, a few times a second (a progress bar's hook)."""
PROGRESS_EVERY_S = 0.1


class _Deadline:
    """PyVRP stopping criterion: stop at `deadline`, or at `give_up_at` while still infeasible."""

    def __init__(
        self, deadline: float, give_up_at: float, *, started: float, progress: Progress | None
    ) -> None:
        self._deadline = deadline
        self._give_up_at = give_up_at
        self._started = started
        self._progress = progress
        self._next_report = started

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if self._progress is not None and now >= self._next_report:
            self._progress(now - self._started)
            self._next_report = now + PROGRESS_EVERY_S
        return now >= self._deadline or (now >= self._give_up_at and best_cost >= MAX_VALUE)


class PyVRPSolver:
    """Plans with PyVRP; `scale` is how many integer units PyVRP gets per second and metre."""

    def __init__(self, *, seed: int = 0, scale: int = 1000) -> None:
        self.seed = seed
        self.scale = scale

    def solve(
        self, problem: Problem, *, time_limit_s: float, progress: Progress | None = None
    ) -> Solution:
        """Screen the orders, search, and explain every servable order left out."""
        started = time.perf_counter()
        deadline = started + time_limit_s
        servable, refused = screen(problem)
        if not servable or not problem.vehicles:
            return Solution((), refused)

        has_required = any(order.required for order in servable)
        model = _build(problem, servable, self.scale, soft_required=False)
        give_up_at = started + time_limit_s / 2 if has_required else deadline
        best = self._search(
            model, _Deadline(deadline, give_up_at, started=started, progress=progress)
        )
        if has_required and not _usable(best):
            log.info("no plan serves every required order; searching again with them optional")
            model = _build(problem, servable, self.scale, soft_required=True)
            best = self._search(
                model, _Deadline(deadline, deadline, started=started, progress=progress)
            )

        routes = _decode(problem, model, best, self.scale)
        served = {order_id for route in routes for order_id in route.order_ids}
        dropped = tuple(
            explain_dropped(problem, routes, order) for order in servable if order.id not in served
        )
        return Solution(routes, (*refused, *dropped))

    def _search(self, model: _Model, stop: _Deadline) -> pyvrp.Solution:
        with warnings.catch_warnings():
            # PyVRP warns when its penalties hit their bound while no feasible plan turns up;
            # `solve` handles exactly that case (second search, then dropped routes explained).
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp.solve(
                model.data,
                stop,
                seed=self.seed,
                collect_stats=False,
                display=False,
                params=pyvrp.SolveParams(penalty=_penalties(model.data, self.scale)),
            )
        return result.best


def _penalties(data: pyvrp.ProblemData, scale: int) -> pyvrp.PenaltyParams:
    """PyVRP's penalty settings with a bound high enough that no prize buys a violation."""
    default = pyvrp.PenaltyParams()
    largest_prize = max((client.prize for client in data.clients()), default=0)
    unit = min(scale, _VIOLATION_UNIT)
    bound = min(max(default.max_penalty, largest_prize / unit), _PENALTY_CEILING)
    return replace(default, max_penalty=bound)


def _usable(solution: pyvrp.Solution) -> bool:
    return bool(solution.is_feasible()) and solution.distance() < MAX_VALUE


def _build(problem: Problem, orders: Sequence[Order], scale: int, *, soft_required: bool) -> _Model:
    depot_locations = sorted(
        {vehicle.start_location for vehicle in problem.vehicles}
        | {vehicle.end_location for vehicle in problem.vehicles}
    )
    client_orders = tuple(order for order in orders for _ in range(max(1, len(order.windows))))
    base = np.array(depot_locations + [order.location for order in client_orders])
    distance = np.rint(problem.distance_m[np.ix_(base, base)] * scale).astype(np.int64)
    duration = np.ceil(problem.duration_s[np.ix_(base, base)] * scale - _EPS).astype(np.int64)
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)

    dimensions = [d for d in DIMENSIONS if any(order.demand.amount(d) > 0 for order in orders)]
    clients, groups = _clients(
        orders,
        dimensions,
        scale=scale,
        first_location=len(depot_locations),
        prize_unit=_prize_unit(problem, distance, duration, scale),
        soft_required=soft_required,
    )
    profiles, vehicle_profile = _skill_profiles(
        problem, client_orders, len(depot_locations), distance
    )
    types = _vehicle_types(
        problem,
        orders,
        dimensions,
        scale=scale,
        depot_index={location: i for i, location in enumerate(depot_locations)},
        vehicle_profile=vehicle_profile,
    )
    # PyVRP's stub annotates matrices as `ndarray[int]`, a shape numpy's own types never have.
    matrices: list[Any] = list(profiles)
    durations: list[Any] = [duration] * len(matrices)
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(0, 0) for _ in base],
        clients=clients,
        depots=[pyvrp.Depot(location=i) for i in range(len(depot_locations))],
        vehicle_types=[
            vehicle_type.replace(
                num_available=len(vehicles), name=",".join(vehicle.id for vehicle in vehicles)
            )
            for vehicle_type, vehicles in types
        ],
        distance_matrices=matrices,
        duration_matrices=durations,
        groups=groups,
    )
    return _Model(data, client_orders, tuple(tuple(vehicles) for _, vehicles in types))


def _clients(
    orders: Sequence[Order],
    dimensions: Sequence[Dimension],
    *,
    scale: int,
    first_location: int,
    prize_unit: int,
    soft_required: bool,
) -> tuple[list[pyvrp.Client], list[pyvrp.ClientGroup]]:
    """One client per order and window, each at its own location; a group per multi-window order."""
    optional_weight = sum(order.priority + 1 for order in orders if not order.required)
    clients: list[pyvrp.Client] = []
    groups: list[pyvrp.ClientGroup] = []
    for order in orders:
        windows = order.windows or (None,)
        required = order.required and not soft_required
        weight = optional_weight + 1 if order.required else order.priority + 1
        group = len(groups) if len(windows) > 1 else None
        members = []
        for window in windows:
            members.append(len(clients))
            clients.append(
                pyvrp.Client(
                    location=first_location + len(clients),
                    delivery=[_up(order.demand.amount(d) * _LOAD_SCALE[d]) for d in dimensions],
                    service_duration=_up(order.service_s * scale),
                    tw_early=0 if window is None else _up(window.start_s * scale),
                    tw_late=_down(math.inf if window is None else window.end_s * scale),
                    prize=0 if required else min(prize_unit * weight, MAX_VALUE // 2),
                    required=required and group is None,
                    group=group,
                    name=order.id,
                )
            )
        if group is not None:
            groups.append(pyvrp.ClientGroup(members, required=required, name=order.id))
    return clients, groups


def _vehicle_types(
    problem: Problem,
    orders: Sequence[Order],
    dimensions: Sequence[Dimension],
    *,
    scale: int,
    depot_index: dict[int, int],
    vehicle_profile: dict[str, int],
) -> list[tuple[pyvrp.VehicleType, list[Vehicle]]]:
    """Vehicles grouped into PyVRP vehicle types: identical ones share a type."""
    types: list[tuple[pyvrp.VehicleType, list[Vehicle]]] = []
    for vehicle in problem.vehicles:
        vehicle_type = pyvrp.VehicleType(
            capacity=[_capacity(vehicle, d, orders) for d in dimensions],
            start_depot=depot_index[vehicle.start_location],
            end_depot=depot_index[vehicle.end_location],
            fixed_cost=round(vehicle.fixed_cost_m * scale),
            tw_early=_up(vehicle.shift_start_s * scale),
            tw_late=_down(vehicle.shift_end_s * scale),
            shift_duration=_down(vehicle.max_duration_s * scale),
            unit_duration_cost=_duration_cost(vehicle),
            start_late=_latest_start(vehicle, scale),
            profile=vehicle_profile[vehicle.id],
        )
        same = next((vehicles for known, vehicles in types if known == vehicle_type), None)
        if same is None:
            types.append((vehicle_type, [vehicle]))
        else:
            same.append(vehicle)
    return types


def _duration_cost(vehicle: Vehicle) -> int:
    """Cost per unit of time in units of distance: metres per second, whatever the scale."""
    if vehicle.hourly_cost_m <= 0:
        return 0
    return max(1, round(vehicle.hourly_cost_m / 3600.0))


def _latest_start(vehicle: Vehicle, scale: int) -> int | None:
    """The start of the shift for a vehicle paying for its time and without a maximum duration.

    PyVRP otherwise starts a route as late as the windows allow, which makes hours of
    waiting between stops free.
    """
    if _duration_cost(vehicle) and math.isinf(vehicle.max_duration_s):
        return _up(vehicle.shift_start_s * scale)
    return None


def _up(value: float) -> int:
    """Rounded up, ignoring float noise: for durations and demands."""
    return max(0, math.ceil(value - _EPS))


def _down(value: float) -> int:
    """Rounded down, ignoring float noise: for window ends and limits; infinity is no limit."""
    if math.isinf(value):
        return int(np.iinfo(np.int64).max)
    return max(0, math.floor(value + _EPS))


def _capacity(vehicle: Vehicle, dimension: Dimension, orders: Sequence[Order]) -> int:
    limit = vehicle.capacity.limit(dimension)
    if math.isinf(limit):
        return sum(_up(order.demand.amount(dimension) * _LOAD_SCALE[dimension]) for order in orders)
    return _down(limit * _LOAD_SCALE[dimension])


def _prize_unit(problem: Problem, distance: IntMatrix, duration: IntMatrix, scale: int) -> int:
    """A prize larger than the cost of any one order's detour, fixed and time costs included."""
    largest_fixed = max((vehicle.fixed_cost_m for vehicle in problem.vehicles), default=0.0)
    return (
        2 * int(distance.max())
        + round(largest_fixed * scale)
        + _largest_time_cost(problem, duration, scale)
        + 1
    )


def _largest_time_cost(problem: Problem, duration: IntMatrix, scale: int) -> int:
    """What the time one order adds to a route can cost: its detour, service and waiting."""
    cost = max((_duration_cost(vehicle) for vehicle in problem.vehicles), default=0)
    if not cost or not problem.orders:
        return 0
    earliest_s = min(vehicle.shift_start_s for vehicle in problem.vehicles)
    latest_open_s = max((w.start_s for order in problem.orders for w in order.windows), default=0)
    longest_service_s = max(order.service_s for order in problem.orders)
    added_s = longest_service_s + max(0.0, latest_open_s - earliest_s)
    return cost * (2 * int(duration.max()) + _up(added_s * scale))


def _skill_profiles(
    problem: Problem, client_orders: Sequence[Order], offset: int, distance: IntMatrix
) -> tuple[list[IntMatrix], dict[str, int]]:
    """One distance matrix per distinct set of orders a vehicle may serve."""
    profile_of: dict[frozenset[int], int] = {}
    matrices: list[IntMatrix] = []
    vehicle_profile: dict[str, int] = {}
    for vehicle in problem.vehicles:
        forbidden = frozenset(
            offset + i
            for i, order in enumerate(client_orders)
            if not vehicle.can_serve_skills(order)
        )
        if forbidden not in profile_of:
            profile_of[forbidden] = len(matrices)
            matrix = distance
            if forbidden:
                matrix = distance.copy()
                rows = sorted(forbidden)
                matrix[rows, :] = MAX_VALUE
                matrix[:, rows] = MAX_VALUE
                np.fill_diagonal(matrix, 0)
            matrices.append(matrix)
        vehicle_profile[vehicle.id] = profile_of[forbidden]
    return matrices, vehicle_profile


def _decode(
    problem: Problem, model: _Model, solution: pyvrp.Solution, scale: int
) -> tuple[Route, ...]:
    """Our routes from PyVRP's, leaving out any route PyVRP could not make feasible.

    PyVRP times a route to be as short as possible, which starts it as late as the windows
    allow: drivers would idle at the hub for hours and then run every stop at the end of
    its window. Each route is re-timed by `time_stops` instead (leave at the start of the
    shift, serve every stop as early as possible), keeping PyVRP's own times only where
    that schedule breaks the route's maximum duration.
    """
    unused = [list(vehicles) for vehicles in model.type_vehicles]
    routes: list[Route] = []
    for pyvrp_route in solution.routes():
        vehicle = unused[pyvrp_route.vehicle_type()].pop(0)
        if not pyvrp_route.is_feasible() or pyvrp_route.distance() >= MAX_VALUE:
            log.warning("dropping an infeasible route for %s from PyVRP's best plan", vehicle.id)
            continue
        pyvrp_timing = _pyvrp_timing(model, pyvrp_route, scale)
        orders = [problem.orders_by_id[stop.order_id] for stop in pyvrp_timing.stops]
        timed = time_stops(
            problem=problem,
            vehicle=vehicle,
            orders=orders,
            origin=vehicle.start_location,
            depart_s=vehicle.shift_start_s,
        )
        timing = timed if isinstance(timed, Timing) else pyvrp_timing
        routes.append(
            Route(
                vehicle_id=vehicle.id,
                start_location=vehicle.start_location,
                end_location=vehicle.end_location,
                stops=timing.stops,
                start_s=timing.start_s,
                end_s=timing.end_s,
                distance_m=route_distance_m(problem, vehicle, orders),
            )
        )
    return tuple(routes)


def _pyvrp_timing(model: _Model, pyvrp_route: pyvrp.Route, scale: int) -> Timing:
    stops: list[Stop] = []
    for activity in pyvrp_route.schedule():
        if not activity.is_client():
            continue
        order = model.client_orders[activity.idx]
        start_s = activity.start_time / scale
        arrival_s = (activity.start_time - activity.wait_duration) / scale
        stops.append(Stop(order.id, arrival_s, start_s, start_s + order.service_s))
    return Timing(tuple(stops), pyvrp_route.start_time() / scale, pyvrp_route.end_time() / scale)
