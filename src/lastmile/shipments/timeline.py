"""The event timeline: append an event, re-derive the status from events in time order."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.errors import InvalidInput
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import REASON_REQUIRED, Status, replay

MAX_CLOCK_SKEW = timedelta(minutes=5)


def events_of(*, session: Session, shipment_id: uuid.UUID) -> list[ShipmentEvent]:
    """The timeline in the events' own time order (ties in the order they were recorded)."""
    query = (
        select(ShipmentEvent)
        .where(ShipmentEvent.shipment_id == shipment_id)
        .order_by(ShipmentEvent.at, ShipmentEvent.id)
    )
    return list(session.scalars(query))


_LIFECYCLE_RANK = {status: rank for rank, status in enumerate(Status)}


def in_lifecycle_order(events: Sequence[ShipmentEvent]) -> list[ShipmentEvent]:
    """Oldest first as people read a history: the creation leads (as the replay has it, even
    when an import stamped it after events it predates), then by time, ties by lifecycle order.
    """
    return sorted(
        events,
        key=lambda e: (
            e.status != Status.CREATED,
            e.at,
            _LIFECYCLE_RANK[e.status],
            e.recorded_at,
        ),
    )


def derive_status(events: Sequence[ShipmentEvent]) -> Status:
    """Replay every event after the creation event in time order; the creation always leads."""
    later = sorted(
        (e for e in events if e.status != Status.CREATED),
        key=lambda e: (e.at, e.id if e.id is not None else float("inf")),
    )
    return replay(e.status for e in later)


def creation_event(*, shipment: Shipment, actor: str, at: datetime | None = None) -> ShipmentEvent:
    return ShipmentEvent(
        org_id=shipment.org_id,
        shipment_id=shipment.id,
        status=Status.CREATED,
        at=at or shipment.created_at,
        actor=actor,
    )


def append_event(
    *,
    session: Session,
    shipment: Shipment,
    status: Status,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
    reason: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> ShipmentEvent:
    """Add one event, late or not; raises IllegalTransition if the timeline would break."""
    now = utcnow()
    at = at or now
    if status == Status.CREATED:
        raise InvalidInput(
            "status", "`created` is set when the shipment is made: it cannot be posted"
        )
    if at > now + MAX_CLOCK_SKEW:
        ahead_s = int((at - now).total_seconds())
        raise InvalidInput("at", f"is {ahead_s} s in the future: events must have happened")
    if status in REASON_REQUIRED and not reason:
        raise InvalidInput("reason", f"is required when the status is `{status}`")
    event = ShipmentEvent(
        org_id=shipment.org_id,
        shipment_id=shipment.id,
        status=status,
        at=at,
        recorded_at=now,
        actor=actor,
        note=note,
        reason=reason,
        lat=lat,
        lon=lon,
    )
    existing = events_of(session=session, shipment_id=shipment.id)
    new_status = derive_status([*existing, event])
    session.add(event)
    if new_status != shipment.status:
        shipment.status = new_status
    shipment.updated_at = now
    session.flush()
    return event
