"""Hubs of an organisation; the caller owns the transaction."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.errors import Conflict, NotFound
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import EVERY_HUB, HubScope


def create_hub(*, session: Session, org_id: uuid.UUID, **fields: Any) -> Hub:
    if session.scalar(select(Hub.id).where(Hub.org_id == org_id, Hub.code == fields["code"])):
        raise Conflict(f"a hub with code {fields['code']!r} already exists")
    hub = Hub(org_id=org_id, **fields)
    session.add(hub)
    session.flush()
    return hub


def get_hub(
    *, session: Session, org_id: uuid.UUID, hub_id: uuid.UUID, scope: HubScope = EVERY_HUB
) -> Hub:
    """The hub, or NotFound (also for a hub the caller's `scope` leaves out)."""
    query = select(Hub).where(Hub.org_id == org_id, Hub.id == hub_id)
    hub = session.scalar(scope.where(query, Hub.id))
    if hub is None:
        raise NotFound(f"no hub {hub_id}")
    return hub


def list_hubs(*, session: Session, org_id: uuid.UUID, scope: HubScope = EVERY_HUB) -> list[Hub]:
    query = select(Hub).where(Hub.org_id == org_id).order_by(Hub.code)
    return list(session.scalars(scope.where(query, Hub.id)))


def first_hub(*, session: Session, org_id: uuid.UUID) -> Hub | None:
    """The organisation's oldest hub (None before it has one)."""
    return session.scalar(
        select(Hub).where(Hub.org_id == org_id).order_by(Hub.created_at, Hub.id).limit(1)
    )


def update_hub(*, session: Session, org_id: uuid.UUID, hub_id: uuid.UUID, **fields: Any) -> Hub:
    hub = get_hub(session=session, org_id=org_id, hub_id=hub_id)
    for name, value in fields.items():
        setattr(hub, name, value)
    return hub


def delete_hub(*, session: Session, org_id: uuid.UUID, hub_id: uuid.UUID) -> None:
    session.delete(get_hub(session=session, org_id=org_id, hub_id=hub_id))
