"""How each audited thing is named in the log and which of its fields a change summary shows.

Views call these around a change; secrets (password hashes, key secrets, webhook secrets)
never reach the log.
"""

import uuid
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.audit.types import Subject, SubjectType
from lastmile.auth.models import ApiKey, User
from lastmile.dispatch.models import Plan, Route, RouteStop
from lastmile.fleet.models import Driver
from lastmile.hubs.models import Hub
from lastmile.notify.models import WebhookEndpoint
from lastmile.notify.rules import Rule
from lastmile.shipments.models import Shipment


def user(row: User) -> Subject:
    return Subject(SubjectType.USER, str(row.id), row.email)


def user_fields(row: User) -> dict[str, Any]:
    return {"name": row.name, "role": row.role, "active": row.active}


def api_key(row: ApiKey) -> Subject:
    return Subject(SubjectType.API_KEY, str(row.id), row.name)


def shipment(row: Shipment) -> Subject:
    return Subject(SubjectType.SHIPMENT, str(row.id), row.tracking_number)


def organization(org_id: uuid.UUID, name: str = "the organisation") -> Subject:
    return Subject(SubjectType.ORGANIZATION, str(org_id), name)


def webhook(row: WebhookEndpoint) -> Subject:
    """Named by its host and description: a URL's path or query may carry a secret."""
    host = urlsplit(row.url).hostname or "?"
    label = f"{host} ({row.description})" if row.description else host
    return Subject(SubjectType.WEBHOOK, str(row.id), label)


def notification_rule(rule: Rule) -> Subject:
    key = f"{rule.event.value}/{rule.channel.value}"
    return Subject(SubjectType.NOTIFICATION_RULE, key, key)


def rule_fields(rule: Rule) -> dict[str, Any]:
    fields = asdict(rule)
    for name in ("event", "channel", "customised"):
        fields.pop(name)
    return fields


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
