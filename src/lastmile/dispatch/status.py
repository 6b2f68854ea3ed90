"""A shipment's status moves on: the event on its timeline and, in the same transaction, the
customer's notifications (notify's outbox rows) and the merchant's charges (billing's lines),
so that an acknowledged change is never left untold or uncharged. The one way dispatch and
the driver's day move a shipment's status."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from lastmile.billing.charges import charge_event
from lastmile.notify import outbox
from lastmile.shipments import service as shipments
from lastmile.shipments.status import Status


def record_status(
    *,
    session: Session,
    org_id: uuid.UUID,
    tracking_number: str,
    status: Status,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
    reason: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> shipments.Recorded:
    """Record the event; when it moved the status, queue what the organisation's rules send.
    Every event is charged, a late one too (it may correct an earlier one)."""
    recorded = shipments.record_event(
        session=session,
        org_id=org_id,
        tracking_number=tracking_number,
        status=status,
        actor=actor,
        at=at,
        note=note,
        reason=reason,
        lat=lat,
        lon=lon,
    )
    if recorded.moved:
        outbox.on_shipment_event(session=session, shipment=recorded.shipment, event=recorded.event)
    charge_event(session=session, shipment=recorded.shipment, event=recorded.event)
    return recorded
