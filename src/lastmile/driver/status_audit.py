"""Status overrides: an event or a cancellation posted through the API, recorded with the
shipment's status before and after (the driver app's own reports are its workflow, not
overrides, and are not recorded here)."""

import uuid

from sqlalchemy.orm import Session

from lastmile.audit import service
from lastmile.audit.types import Action, Actor
from lastmile.errors import NotFound
from lastmile.shipments import service as shipments
from lastmile.shipments.audit_subjects import shipment as shipment_subject
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status


def status_before(*, session: Session, org_id: uuid.UUID, tracking_number: str) -> Status | None:
    """The shipment's status before a report (none when there is no such shipment: the report
    itself then answers 404)."""
    try:
        found = shipments.get_shipment(
            session=session, org_id=org_id, tracking_number=tracking_number
        )
    except NotFound:
        return None
    return found.status


def record_status(
    *,
    session: Session,
    org_id: uuid.UUID,
    actor: Actor,
    shipment: Shipment,
    before: Status | None,
    event: Status,
    reason: str | None,
) -> None:
    """One entry for one reported event; `after` tells the event and the status it left."""
    after: dict[str, object] = {"status": shipment.status, "event": event}
    if reason:
        after["reason"] = reason
    service.record(
        session=session,
        org_id=org_id,
        actor=actor,
        action=Action.SHIPMENT_CANCEL if event is Status.CANCELLED else Action.SHIPMENT_STATUS,
        subject=shipment_subject(shipment),
        before={"status": before},
        after=after,
    )
