"""Rows to planning shapes, and re-timing a route after an edit without touching its done stops."""

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.errors import Conflict
from lastmile.fleet.models import Vehicle
from lastmile.hubs.models import Hub
from lastmile.planning.checker import check
from lastmile.planning.insertion import Late, route_distance_m, time_stops
from lastmile.planning.network import Crew, DayProblem, Delivery, Depot, build_problem
from lastmile.planning.problem import DIMENSIONS, Capacity, Load, Order, Problem
from lastmile.planning.solver import Route as PlannedRoute
from lastmile.planning.solver import Solution, Stop
from lastmile.routing import polyline
from lastmile.routing.network import LatLon, RoadNetwork
from lastmile.routing.paths import road_path
from lastmile.shipments.models import Shipment


def depot_for(hub: Hub) -> Depot:
    return Depot(hub.lat, hub.lon, hub.timezone, hub.opening_hours)


def delivery_for(shipment: Shipment) -> Delivery:
    return Delivery(
        id=shipment.tracking_number,
        lat=shipment.lat,
        lon=shipment.lon,
        window_start=shipment.window_start,
        window_end=shipment.window_end,
        service_s=float(shipment.service_time_s),
        load=Load(
            weight_kg=shipment.weight_kg or 0.0,
            volume_m3=shipment.volume_m3 or 0.0,
            parcels=shipment.parcel_count,
        ),
    )


def crew_for(vehicle: Vehicle) -> Crew:
    return Crew(
        id=str(vehicle.id),
        capacity=Capacity(
            weight_kg=vehicle.capacity_kg,
            volume_m3=vehicle.capacity_m3,
            parcels=vehicle.capacity_parcels,
        ),
        skills=frozenset(vehicle.skills or ()),
        label=vehicle_label(vehicle),
    )


def vehicle_label(vehicle: Vehicle) -> str:
    """The van as dispatchers know it: its name and plate, or its plate."""
    return f"{vehicle.name} ({vehicle.plate})" if vehicle.name else vehicle.plate


def geometry(network: RoadNetwork, hub: Hub, shipments: Sequence[Shipment]) -> str:
    """The road path hub → stops → hub as polyline6; empty for a route without stops."""
    if not shipments:
        return ""
    points: list[LatLon] = [(hub.lat, hub.lon)]
    points += [(s.lat, s.lon) for s in shipments if s.lat is not None and s.lon is not None]
    points.append((hub.lat, hub.lon))
    return polyline.encode(road_path(network, points))


@dataclass(frozen=True, eq=False)
class RouteModel:
    """A route as a one-vehicle planning problem, its orders in the route's order."""

    day: DayProblem
    orders: tuple[Order, ...]
    planned: PlannedRoute

    @property
    def problem(self) -> Problem:
        return self.day.problem


def model_route(
    *,
    route: Route,
    hub: Hub,
    vehicle: Vehicle,
    stops: Sequence[tuple[RouteStop | None, Shipment]],
    network: RoadNetwork,
) -> RouteModel:
    """The one-vehicle problem over `stops` (in this order); `None` marks a stop not yet placed.

    Completed stops weigh nothing, wherever they are in the order (a driver may deliver out
    of sequence): their parcels have left the van. A failed stop's parcel is still on board.
    """
    deliveries = [
        dataclasses.replace(delivery_for(shipment), load=Load())
        if stop is not None and stop.status is StopStatus.COMPLETED
        else delivery_for(shipment)
        for stop, shipment in stops
    ]
    day = build_problem(
        depot=depot_for(hub),
        deliveries=deliveries,
        crews=[crew_for(vehicle)],
        day=route.date,
        network=network,
    )
    if day.refused:
        raise Conflict(day.refused[0].message)
    orders = day.problem.orders
    (crew,) = day.problem.vehicles
    timed = [
        Stop(
            order.id,
            _seconds(day.day_start, stop.planned_arrival),
            _seconds(day.day_start, stop.planned_departure) - order.service_s,
            _seconds(day.day_start, stop.planned_departure),
        )
        for order, (stop, _) in zip(orders, stops, strict=True)
        if stop is not None
    ]
    planned = PlannedRoute(
        vehicle_id=crew.id,
        start_location=crew.start_location,
        end_location=crew.end_location,
        stops=tuple(timed),
        start_s=_seconds(day.day_start, route.planned_start),
        end_s=_seconds(day.day_start, route.planned_end),
        distance_m=route_distance_m(
            day.problem, crew, [o for o, (s, _) in zip(orders, stops, strict=True) if s]
        ),
    )
    return RouteModel(day, orders, planned)


def done_count(stops: Sequence[tuple[RouteStop | None, Shipment]]) -> int:
    """How many stops at the head of the route are no longer pending."""
    count = 0
    for stop, _ in stops:
        if stop is None or stop.status is StopStatus.PENDING:
            break
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class Present:
    """Where a route's driver is and when they can go on: the stops not yet made start here.

    `made` stops head the route; the driver leaves `origin` (the last of them, or the hub)
    at `depart_s`; `route_start_s` is when the route left the hub, None while it has not.
    """

    made: int
    origin: int
    depart_s: float
    route_start_s: float | None


def present(
    *,
    route: Route,
    model: RouteModel,
    stops: Sequence[tuple[RouteStop | None, Shipment]],
    now: datetime,
) -> Present:
    """Where the driver is, from what really happened: never from the stops' planned times.

    After a made stop the driver leaves it when it was finished (or, still at the door,
    once its service is done) or now, whichever is later. With none made, a route under
    way leaves the hub now (not before its shift); a planned one when its shift starts.
    """
    (crew,) = model.problem.vehicles
    day_start = model.day.day_start
    now_s = _seconds(day_start, now)
    started_s = None if route.started_at is None else _seconds(day_start, route.started_at)
    made = done_count(stops)
    if not made:
        if started_s is None:
            return Present(0, crew.start_location, crew.shift_start_s, None)
        return Present(0, crew.start_location, max(now_s, crew.shift_start_s), started_s)
    last, order = stops[made - 1][0], model.orders[made - 1]
    free_s = now_s
    if last is not None and last.finished_at is not None:
        free_s = max(now_s, _seconds(day_start, last.finished_at))
    elif last is not None and last.arrived_at is not None:
        free_s = max(now_s, _seconds(day_start, last.arrived_at) + order.service_s)
    route_start_s = model.planned.start_s if started_s is None else started_s
    return Present(made, order.location, free_s, route_start_s)


def retime(
    *,
    route: Route,
    hub: Hub,
    vehicle: Vehicle,
    stops: Sequence[tuple[RouteStop, Shipment]],
    network: RoadNetwork,
    now: datetime,
) -> None:
    """Re-time the pending stops in their new order; refuse (409) an order that cannot be kept.

    Stops already made keep their times and are never timed again: the rest are timed from
    where the driver is (`present`), whatever the plan said about the stops before.
    """
    for sequence, (stop, _) in enumerate(stops):
        stop.sequence = sequence
    if not stops:
        route.planned_end = route.planned_start
        route.distance_m = 0.0
        route.duration_s = 0.0
        route.polyline6 = ""
        return
    model = model_route(route=route, hub=hub, vehicle=vehicle, stops=stops, network=network)
    problem, orders = model.problem, model.orders
    (crew,) = problem.vehicles
    # Completed stops weigh nothing in the model; an arrived or failed stop's parcel is
    # still on the van, so everything else counts.
    on_board = sum((order.demand for order in orders), Load())
    for dimension in DIMENSIONS:
        if on_board.amount(dimension) > crew.capacity.limit(dimension) + 1e-9:
            raise Conflict(
                f"{crew.called} would carry {on_board.amount(dimension):g} {dimension},"
                f" more than its capacity of {crew.capacity.limit(dimension):g}"
            )
    here = present(route=route, model=model, stops=stops, now=now)
    done = here.made
    timed = time_stops(
        problem=problem,
        vehicle=crew,
        orders=orders[done:],
        origin=here.origin,
        depart_s=here.depart_s,
        route_start_s=here.route_start_s,
    )
    if isinstance(timed, Late):
        raise Conflict(f"route {route.id} cannot be kept in this order: {timed.message}")
    day_start = model.day.day_start
    for (stop, _), timed_stop in zip(stops[done:], timed.stops, strict=True):
        stop.planned_arrival = day_start + timedelta(seconds=timed_stop.arrival_s)
        stop.planned_departure = day_start + timedelta(seconds=timed_stop.departure_s)
    if not done:  # once a stop is made the start is history, and the legs' times lean on it
        route.planned_start = day_start + timedelta(seconds=timed.start_s)
    route.planned_end = day_start + timedelta(seconds=timed.end_s)
    route.duration_s = timed.end_s - timed.start_s
    route.distance_m = route_distance_m(problem, crew, orders)
    route.polyline6 = geometry(network, hub, [shipment for _, shipment in stops])


def verify(
    *,
    route: Route,
    hub: Hub,
    vehicle: Vehicle,
    stops: Sequence[tuple[RouteStop, Shipment]],
    network: RoadNetwork,
    now: datetime,
) -> None:
    """Check the route as stored with the independent checker; refuse (409) what it breaks.

    The problem is rebuilt from the rows exactly as a plan's is, so a fault in the re-timing
    cannot slip an infeasible route past the rules a plan must keep. A route under way is
    checked from where its driver is: only the stops not yet made.
    """
    if not stops:
        return
    model = model_route(route=route, hub=hub, vehicle=vehicle, stops=stops, network=network)
    if route.started_at is None and not done_count(stops):
        planned = dataclasses.replace(model.planned, distance_m=route.distance_m)
        broken = check(model.problem, Solution((planned,), ()))
    else:
        broken = _check_rest(route, model, stops, now)
    if broken:
        raise Conflict(f"route {route.id} would break its rules: {'; '.join(broken)}")


def _check_rest(
    route: Route, model: RouteModel, stops: Sequence[tuple[RouteStop, Shipment]], now: datetime
) -> list[str]:
    """The checker over the stops not yet made, as a route of its own that leaves where the
    driver is when the driver can (`present`): the stops already made are history, not plan,
    and their windows or times are no rule an edit can keep or break."""
    here = present(route=route, model=model, stops=stops, now=now)
    problem = model.problem
    (crew,) = problem.vehicles
    rest = model.orders[here.made :]
    made = model.orders[: here.made]
    carried = sum((order.demand for order in made), Load())
    path = [crew.start_location, *(order.location for order in made)]
    made_m = sum(float(problem.distance_m[a, b]) for a, b in itertools.pairwise(path))
    elapsed_s = 0.0 if here.route_start_s is None else here.depart_s - here.route_start_s
    vehicle = dataclasses.replace(
        crew,
        start_location=here.origin,
        shift_start_s=min(here.depart_s, crew.shift_end_s),
        max_duration_s=max(0.0, crew.max_duration_s - elapsed_s),
        capacity=_less(crew.capacity, carried),
    )
    sub = Problem(rest, (vehicle,), problem.duration_s, problem.distance_m)
    planned = PlannedRoute(
        vehicle_id=vehicle.id,
        start_location=here.origin,
        end_location=vehicle.end_location,
        stops=model.planned.stops[here.made :],
        start_s=vehicle.shift_start_s,
        end_s=model.planned.end_s,
        distance_m=route.distance_m - made_m,
    )
    return check(sub, Solution((planned,), ()))


def _less(capacity: Capacity, load: Load) -> Capacity:
    """What room is left once `load` (made stops whose parcels are still on board) is in."""

    def left(limit: float | None, used: float) -> float | None:
        return None if limit is None else max(0.0, limit - used)

    parcels = left(capacity.parcels, load.parcels)
    return Capacity(
        weight_kg=left(capacity.weight_kg, load.weight_kg),
        volume_m3=left(capacity.volume_m3, load.volume_m3),
        parcels=None if parcels is None else int(parcels),
    )


def _seconds(day_start: datetime, at: datetime) -> float:
    return (at - day_start).total_seconds()
