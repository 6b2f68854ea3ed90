"""Plan a hub's day, commit the plan into routes, start a route; the caller owns the transaction."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.address_check import screen_addresses
from lastmile.dispatch.models import Plan, PlanStatus, Route, RouteStatus, RouteStop, StopStatus
from lastmile.dispatch.status import record_status
from lastmile.dispatch.timing import (
    crew_for,
    delivery_for,
    depot_for,
    geometry,
)
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.fleet.models import Driver, Vehicle
from lastmile.hubs import service as hubs
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.orgsettings.service import get_rules
from lastmile.planning.checker import check
from lastmile.planning.network import build_problem, plan_day
from lastmile.planning.pyvrp_solver import PyVRPSolver
from lastmile.planning.solver import Solver
from lastmile.routing.network import RoadNetwork
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status
from lastmile.shipments.timeline import MAX_CLOCK_SKEW

PLANNABLE = (Status.CREATED, Status.AT_HUB, Status.RETURNED_TO_HUB)


def plannable_shipments(
    *, session: Session, org_id: uuid.UUID, hub_id: uuid.UUID, day: date
) -> list[Shipment]:
    """The hub's shipments for `day` that no driver has yet, in creation order."""
    query = (
        select(Shipment)
        .where(
            Shipment.org_id == org_id,
            Shipment.hub_id == hub_id,
            Shipment.delivery_date == day,
            Shipment.driver_id.is_(None),
            Shipment.status.in_(PLANNABLE),
        )
        .order_by(Shipment.created_at, Shipment.id)
    )
    return list(session.scalars(query))


def _crews(
    *,
    session: Session,
    org_id: uuid.UUID,
    day: date,
    driver_ids: Sequence[uuid.UUID] | None,
    vehicle_ids: Sequence[uuid.UUID] | None,
) -> list[tuple[Driver, Vehicle]]:
    """Drivers paired with vehicles in order; by default every active one, free that day."""
    busy = set(
        session.scalars(
            select(Route.driver_id).where(
                Route.org_id == org_id,
                Route.date == day,
                Route.status != RouteStatus.COMPLETED,
            )
        )
    )
    drivers = _named(session, Driver, org_id, driver_ids, "driver_ids")
    vehicles = _named(session, Vehicle, org_id, vehicle_ids, "vehicle_ids")
    if driver_ids is None:
        drivers = [d for d in drivers if d.active and d.id not in busy]
    if vehicle_ids is None:
        vehicles = [v for v in vehicles if v.active]
    if driver_ids is not None and vehicle_ids is not None and len(drivers) != len(vehicles):
        raise InvalidInput(
            "vehicle_ids",
            f"{len(vehicles)} vehicles for {len(drivers)} drivers: give one vehicle per driver",
        )
    crews = list(zip(drivers, vehicles, strict=False))
    if not crews:
        raise InvalidInput(
            "driver_ids",
            f"no crew for {day}: {len(drivers)} drivers available, {len(vehicles)} vehicles",
        )
    return crews


def _named[T: (Driver, Vehicle)](
    session: Session,
    model: type[T],
    org_id: uuid.UUID,
    ids: Sequence[uuid.UUID] | None,
    field: str,
) -> list[T]:
    if ids is None:
        query = select(model).where(model.org_id == org_id).order_by(model.created_at, model.id)
        return list(session.scalars(query))
    found = {
        row.id: row
        for row in session.scalars(select(model).where(model.org_id == org_id, model.id.in_(ids)))
    }
    for index, item in enumerate(ids):
        if item not in found:
            raise InvalidInput(f"{field}[{index}]", f"no {model.__tablename__[:-1]} {item}")
    if len(set(ids)) != len(ids):
        raise InvalidInput(field, "lists the same id twice")
    return [found[item] for item in ids]


def save_plan(*, session: Session, plan: Plan) -> Plan:
    """Add a plan made by `solve_plan` to the session, as a draft."""
    session.add(plan)
    session.flush()
    return plan


def solve_plan(
    *,
    session: Session,
    org_id: uuid.UUID,
    hub_id: uuid.UUID,
    day: date,
    network: RoadNetwork,
    driver_ids: Sequence[uuid.UUID] | None = None,
    vehicle_ids: Sequence[uuid.UUID] | None = None,
    time_limit_s: float = 2.0,
    solver: Solver | None = None,
) -> Plan:
    """The draft plan, not yet added to the session: it only reads, then solves (seconds), so
    that the caller can end its transaction first and write the plan in a short one."""
    hub = hubs.get_hub(session=session, org_id=org_id, hub_id=hub_id)
    crews = _crews(
        session=session, org_id=org_id, day=day, driver_ids=driver_ids, vehicle_ids=vehicle_ids
    )
    rules = get_rules(session=session, org_id=org_id)
    screened = screen_addresses(
        plannable_shipments(session=session, org_id=org_id, hub_id=hub_id, day=day),
        rule=rules.address_quality_rule,
        threshold=rules.address_quality_threshold,
    )
    pending = screened.to_plan
    by_number = {s.tracking_number: s for s in pending}
    drivers = {str(vehicle.id): driver for driver, vehicle in crews}
    day_problem = build_problem(
        depot=depot_for(hub),
        deliveries=[delivery_for(s) for s in pending],
        crews=[crew_for(vehicle) for _, vehicle in crews],
        day=day,
        network=network,
    )
    planned = plan_day(day_problem, solver=solver or PyVRPSolver(), time_limit_s=time_limit_s)
    routes: list[dict[str, Any]] = [
        {
            "driver_id": str(drivers[route.vehicle_id].id),
            "vehicle_id": route.vehicle_id,
            "start_s": route.start_s,
            "end_s": route.end_s,
            "distance_m": route.distance_m,
            "stops": [
                {
                    "shipment_id": str(by_number[stop.order_id].id),
                    "tracking_number": stop.order_id,
                    "lat": by_number[stop.order_id].lat,
                    "lon": by_number[stop.order_id].lon,
                    "arrival_s": stop.arrival_s,
                    "departure_s": stop.departure_s,
                }
                for stop in route.stops
            ],
        }
        for route in planned.solution.routes
    ]
    unassigned = screened.unassigned + [
        {
            "shipment_id": str(by_number[item.order_id].id),
            "tracking_number": item.order_id,
            "reason": item.reason.value,
            "message": item.message,
        }
        for item in planned.unassigned
    ]
    return Plan(
        org_id=org_id,
        hub_id=hub.id,
        date=day,
        status=PlanStatus.DRAFT,
        day_start=day_problem.day_start,
        network=network.costing,
        result={
            "routes": routes,
            "unassigned": unassigned,
            "address_attention": screened.attention,
            "violations": check(day_problem.problem, planned.solution),
        },
    )


def get_plan(*, session: Session, org_id: uuid.UUID, plan_id: uuid.UUID) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.org_id == org_id, Plan.id == plan_id))
    if plan is None:
        raise NotFound(f"no plan {plan_id}")
    return plan


def commit_plan(
    *, session: Session, org_id: uuid.UUID, plan_id: uuid.UUID, network: RoadNetwork
) -> list[Route]:
    """Turn a draft plan into routes and give each shipment its driver."""
    plan = get_plan(session=session, org_id=org_id, plan_id=plan_id)
    if plan.status is not PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}: only a draft can be committed")
    if plan.result.get("violations"):
        raise Conflict(f"plan {plan.id} breaks its own constraints: {plan.result['violations'][0]}")
    hub = hubs.get_hub(session=session, org_id=org_id, hub_id=plan.hub_id)
    created: list[Route] = []
    for proposed in plan.result["routes"]:
        ids = [uuid.UUID(stop["shipment_id"]) for stop in proposed["stops"]]
        rows = {
            s.id: s
            for s in session.scalars(
                select(Shipment).where(Shipment.org_id == org_id, Shipment.id.in_(ids))
            )
        }
        for stop in proposed["stops"]:
            shipment = rows.get(uuid.UUID(stop["shipment_id"]))
            if (
                shipment is None
                or shipment.driver_id is not None
                or shipment.status not in PLANNABLE
            ):
                raise Conflict(
                    f"shipment {stop['tracking_number']} changed since plan {plan.id} was made"
                    " (assigned, cancelled or gone): make a new plan"
                )
        route = Route(
            org_id=org_id,
            plan_id=plan.id,
            hub_id=plan.hub_id,
            date=plan.date,
            driver_id=uuid.UUID(proposed["driver_id"]),
            vehicle_id=uuid.UUID(proposed["vehicle_id"]),
            status=RouteStatus.PLANNED,
            day_start=plan.day_start,
            planned_start=_at(plan.day_start, proposed["start_s"]),
            planned_end=_at(plan.day_start, proposed["end_s"]),
            distance_m=proposed["distance_m"],
            duration_s=proposed["end_s"] - proposed["start_s"],
        )
        session.add(route)
        session.flush()
        for sequence, stop in enumerate(proposed["stops"]):
            shipment = rows[uuid.UUID(stop["shipment_id"])]
            shipment.driver_id = route.driver_id
            session.add(
                RouteStop(
                    org_id=org_id,
                    route_id=route.id,
                    shipment_id=shipment.id,
                    sequence=sequence,
                    planned_arrival=_at(plan.day_start, stop["arrival_s"]),
                    planned_departure=_at(plan.day_start, stop["departure_s"]),
                    status=StopStatus.PENDING,
                )
            )
        route.polyline6 = geometry(network, hub, [rows[i] for i in ids])
        created.append(route)
    plan.status = PlanStatus.COMMITTED
    plan.committed_at = utcnow()
    session.flush()
    return created


def discard_plan(*, session: Session, org_id: uuid.UUID, plan_id: uuid.UUID) -> Plan:
    plan = get_plan(session=session, org_id=org_id, plan_id=plan_id)
    if plan.status is not PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}: only a draft can be discarded")
    plan.status = PlanStatus.DISCARDED
    return plan


def get_route(
    *, session: Session, org_id: uuid.UUID, route_id: uuid.UUID, scope: HubScope = EVERY_HUB
) -> Route:
    """The route, or NotFound (also for one of a hub the caller's `scope` leaves out)."""
    query = select(Route).where(Route.org_id == org_id, Route.id == route_id)
    route = session.scalar(scope.where(query, Route.hub_id))
    if route is None:
        raise NotFound(f"no route {route_id}")
    return route


def list_routes(
    *,
    session: Session,
    org_id: uuid.UUID,
    day: date | None = None,
    driver_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
    scope: HubScope = EVERY_HUB,
) -> list[Route]:
    query = scope.where(select(Route).where(Route.org_id == org_id), Route.hub_id)
    if day is not None:
        query = query.where(Route.date == day)
    if driver_id is not None:
        query = query.where(Route.driver_id == driver_id)
    if hub_id is not None:
        query = query.where(Route.hub_id == hub_id)
    return list(session.scalars(query.order_by(Route.date, Route.planned_start, Route.id)))


def route_stops(*, session: Session, route: Route) -> list[tuple[RouteStop, Shipment]]:
    """The route's stops in order, each with its shipment."""
    return routes_stops(session=session, routes=[route])[route.id]


def routes_stops(
    *, session: Session, routes: Sequence[Route]
) -> dict[uuid.UUID, list[tuple[RouteStop, Shipment]]]:
    """`route_stops` of each route, in one query."""
    by_id = {route.id: route for route in routes}
    found: dict[uuid.UUID, list[tuple[RouteStop, Shipment]]] = {r: [] for r in by_id}
    if not by_id:
        return found
    query = (
        select(RouteStop, Shipment)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(
            RouteStop.org_id.in_({route.org_id for route in routes}),
            RouteStop.route_id.in_(by_id),
        )
        .order_by(RouteStop.route_id, RouteStop.sequence)
    )
    for stop, shipment in session.execute(query):
        if stop.org_id == by_id[stop.route_id].org_id:
            found[stop.route_id].append((stop, shipment))
    return found


def start_route(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    actor: str,
    now: datetime | None = None,
    left_at: datetime | None = None,
) -> Route:
    """The driver leaves: the route is in progress and its shipments are out for delivery.

    `left_at` backdates the departure (and the out-for-delivery events) when a phone reports
    it late; it may not lie in the future.
    """
    route = get_route(session=session, org_id=org_id, route_id=route_id)
    if route.status is not RouteStatus.PLANNED:
        raise Conflict(f"route {route.id} is {route.status}: only a planned route can start")
    if left_at is not None and left_at > utcnow() + MAX_CLOCK_SKEW:
        raise InvalidInput("at", f"{left_at.isoformat()} is in the future: the driver has not left")
    route.status = RouteStatus.IN_PROGRESS
    route.started_at = left_at or now or utcnow()
    for stop, shipment in route_stops(session=session, route=route):
        if stop.status is StopStatus.PENDING and shipment.status is not Status.OUT_FOR_DELIVERY:
            record_status(
                session=session,
                org_id=org_id,
                tracking_number=shipment.tracking_number,
                status=Status.OUT_FOR_DELIVERY,
                actor=actor,
                at=min(route.started_at, utcnow()),
                note="the driver left the hub with it",
            )
    session.flush()
    return route


def _at(day_start: datetime, seconds: float) -> datetime:
    return day_start + timedelta(seconds=seconds)
