"""How plans, routes and stops are named in the audit log, and what a route change shows."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.audit.types import Subject, SubjectType
from lastmile.dispatch.models import Plan, Route, RouteStop
from lastmile.fleet.models import Driver
from lastmile.hubs.models import Hub
from lastmile.shipments.models import Shipment


def route_label(session: Session, route: Route) -> str:
    """`Mikko Lahtinen's route on 2026-11-24`."""
    driver = session.get(Driver, route.driver_id)
    return f"{driver.name if driver else 'a driver'}'s route on {route.date.isoformat()}"


def route(session: Session, row: Route) -> Subject:
    return Subject(SubjectType.ROUTE, str(row.id), route_label(session, row))


def route_place(session: Session, row: Route) -> dict[str, Any]:
    """Where a stop is: its route (by driver and day) and driver."""
    return {"route": route_label(session, row), "route_id": row.id, "driver_id": row.driver_id}


def route_state(row: Route) -> dict[str, Any]:
    return {"status": row.status, "started_at": row.started_at}


def stop_order(session: Session, route_id: uuid.UUID) -> list[str]:
    """The route's stops in order, by tracking number."""
    return list(
        session.scalars(
            select(Shipment.tracking_number)
            .join(RouteStop, RouteStop.shipment_id == Shipment.id)
            .where(RouteStop.route_id == route_id)
            .order_by(RouteStop.sequence)
        )
    )


def stop_shipment(session: Session, *, org_id: uuid.UUID, stop_id: uuid.UUID) -> Shipment | None:
    """The shipment a route stop delivers (none for another organisation's stop)."""
    return session.scalar(
        select(Shipment)
        .join(RouteStop, RouteStop.shipment_id == Shipment.id)
        .where(RouteStop.id == stop_id, RouteStop.org_id == org_id)
    )


def plan(session: Session, row: Plan) -> Subject:
    hub = session.get(Hub, row.hub_id)
    label = f"{hub.name if hub else 'a hub'} on {row.date.isoformat()}"
    return Subject(SubjectType.PLAN, str(row.id), label)
