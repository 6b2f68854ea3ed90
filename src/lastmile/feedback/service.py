"""Recording a customer's feedback (once per shipment) and listing it for dispatchers."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import RouteStop
from lastmile.errors import Conflict, InvalidInput
from lastmile.feedback.models import Feedback
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status

MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class FeedbackInput:
    rating: int
    tags: Sequence[str]
    comment: str | None


def validate(data: FeedbackInput, *, allowed_tags: Sequence[str]) -> FeedbackInput:
    """Check each field against the rules; the error names the field at fault."""
    if not 1 <= data.rating <= 5:
        raise InvalidInput("rating", f"is {data.rating}: choose 1 to 5 stars")
    unknown = [tag for tag in data.tags if tag not in allowed_tags]
    if unknown:
        raise InvalidInput("tags", f"{unknown[0]!r} is not one of the offered tags")
    comment = (data.comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidInput("comment", f"is {len(comment)} characters: at most {MAX_COMMENT}")
    return FeedbackInput(rating=data.rating, tags=list(dict.fromkeys(data.tags)), comment=comment)


def feedback_of(*, session: Session, shipment: Shipment) -> Feedback | None:
    query = select(Feedback).where(
        Feedback.org_id == shipment.org_id, Feedback.shipment_id == shipment.id
    )
    return session.scalar(query)


def _delivering_stop(session: Session, shipment: Shipment) -> RouteStop | None:
    query = (
        select(RouteStop)
        .where(RouteStop.org_id == shipment.org_id, RouteStop.shipment_id == shipment.id)
        .order_by(RouteStop.planned_arrival.desc())
        .limit(1)
    )
    return session.scalar(query)


def record_feedback(
    *,
    session: Session,
    shipment: Shipment,
    data: FeedbackInput,
    allowed_tags: Sequence[str],
) -> Feedback:
    """Store the one feedback of a delivered shipment; a second one is a Conflict."""
    if shipment.status is not Status.DELIVERED:
        raise Conflict(f"feedback opens once the shipment is delivered; it is {shipment.status}")
    clean = validate(data, allowed_tags=allowed_tags)
    if feedback_of(session=session, shipment=shipment) is not None:
        raise Conflict("feedback for this delivery was already given: thank you")
    stop = _delivering_stop(session, shipment)
    row = Feedback(
        org_id=shipment.org_id,
        shipment_id=shipment.id,
        driver_id=shipment.driver_id,
        stop_id=stop.id if stop is not None else None,
        rating=clean.rating,
        tags=list(clean.tags),
        comment=clean.comment,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("feedback for this delivery was already given: thank you") from None
    return row


def list_feedback(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[tuple[Feedback, str]]:
    """Newest first, each with the shipment's tracking number."""
    query = (
        select(Feedback, Shipment.tracking_number)
        .join(Shipment, Shipment.id == Feedback.shipment_id)
        .where(Feedback.org_id == org_id)
    )
    if driver_id is not None:
        query = query.where(Feedback.driver_id == driver_id)
    query = query.order_by(Feedback.created_at.desc(), Feedback.id).limit(limit)
    return [(row, number) for row, number in session.execute(query)]
