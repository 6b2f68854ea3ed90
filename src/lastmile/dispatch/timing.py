"""Rows to planning shapes, and re-timing a route after an edit without touching its done stops."""

import dataclasses
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
    )


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

    Stops already made keep their times. A route under way leaves its last made stop (or
    the hub) no earlier than `now`; a planned route leaves the hub when its shift allows.
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
    done = done_count(stops)
    pending = orders[done:]
    on_board = sum((order.demand for order in pending), Load())
    for dimension in DIMENSIONS:
        if on_board.amount(dimension) > crew.capacity.limit(dimension) + 1e-9:
            raise Conflict(
                f"route {route.id} would carry {on_board.amount(dimension):g} {dimension},"
                f" over its vehicle's {crew.capacity.limit(dimension):g}"
            )
    now_s = _seconds(model.day.day_start, now)
    started = route.started_at is not None
    if done:
        origin = orders[done - 1].location
        depart_s = max(now_s, _seconds(model.day.day_start, stops[done - 1][0].planned_departure))
        route_start_s: float | None = model.planned.start_s
    else:
        origin = crew.start_location
        depart_s = max(now_s, crew.shift_start_s) if started else crew.shift_start_s
        route_start_s = (
            _seconds(model.day.day_start, route.started_at) if route.started_at else None
        )
    timed = time_stops(
        problem=problem,
        vehicle=crew,
        orders=pending,
        origin=origin,
        depart_s=depart_s,
        route_start_s=route_start_s,
    )
    if isinstance(timed, Late):
        raise Conflict(f"route {route.id} cannot be kept in this order: {timed.message}")
    day_start = model.day.day_start
    for (stop, _), timed_stop in zip(stops[done:], timed.stops, strict=True):
        stop.planned_arrival = day_start + timedelta(seconds=timed_stop.arrival_s)
        stop.planned_departure = day_start + timedelta(seconds=timed_stop.departure_s)
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
) -> None:
    """Check the route as stored with the independent checker; refuse (409) what it breaks.

    The problem is rebuilt from the rows exactly as a plan's is, so a fault in the re-timing
    cannot slip an infeasible route past the rules a plan must keep.
    """
    if not stops:
        return
    model = model_route(route=route, hub=hub, vehicle=vehicle, stops=stops, network=network)
    planned = dataclasses.replace(model.planned, distance_m=route.distance_m)
    if route.started_at is not None:
        # A route started before its shift has a start that is history, not plan: no edit
        # can change it, and its stops were still timed from the shift's start.
        (crew,) = model.problem.vehicles
        planned = dataclasses.replace(planned, start_s=max(planned.start_s, crew.shift_start_s))
    broken = check(model.problem, Solution((planned,), ()))
    if broken:
        raise Conflict(f"route {route.id} would break its rules: {'; '.join(broken)}")


def _seconds(day_start: datetime, at: datetime) -> float:
    return (at - day_start).total_seconds()
