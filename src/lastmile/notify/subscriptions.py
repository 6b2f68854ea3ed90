"""Browser push subscriptions: kept per shipment, added and removed from its tracking page."""

import uuid
from collections.abc import Collection

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.errors import Conflict
from lastmile.notify.models import PushSubscription
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import TERMINAL

MAX_PER_SHIPMENT = 10
"""Browsers per parcel: enough for a household, too few to turn a link into a spam cannon."""


def subscribe(
    *, session: Session, shipment: Shipment, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Keep (or refresh the keys of) this browser's subscription to this shipment."""
    if shipment.status in TERMINAL:
        raise Conflict(f"the parcel is {shipment.status.value}: there is nothing more to tell")
    found = session.scalar(
        select(PushSubscription).where(
            PushSubscription.org_id == shipment.org_id,
            PushSubscription.shipment_id == shipment.id,
            PushSubscription.endpoint == endpoint,
        )
    )
    if found is not None:
        found.p256dh, found.auth = p256dh, auth
        session.flush()
        return found
    count = session.scalar(
        select(func.count()).where(
            PushSubscription.org_id == shipment.org_id,
            PushSubscription.shipment_id == shipment.id,
        )
    )
    if (count or 0) >= MAX_PER_SHIPMENT:
        raise Conflict(f"this parcel already notifies {MAX_PER_SHIPMENT} browsers")
    row = PushSubscription(
        org_id=shipment.org_id,
        shipment_id=shipment.id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def unsubscribe(*, session: Session, shipment: Shipment, endpoint: str) -> bool:
    """Forget this browser for this shipment; False if it was not subscribed to it."""
    result = session.execute(
        delete(PushSubscription).where(
            PushSubscription.org_id == shipment.org_id,
            PushSubscription.shipment_id == shipment.id,
            PushSubscription.endpoint == endpoint,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def subscriptions_of(*, session: Session, shipment: Shipment) -> list[PushSubscription]:
    found = subscriptions_by_shipment(
        session=session, org_id=shipment.org_id, shipment_ids=[shipment.id]
    )
    return found.get(shipment.id, [])


def subscriptions_by_shipment(
    *, session: Session, org_id: uuid.UUID, shipment_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[PushSubscription]]:
    """Each shipment's push subscriptions, oldest first, in one query (absent: none)."""
    found: dict[uuid.UUID, list[PushSubscription]] = {}
    if not shipment_ids:
        return found
    query = (
        select(PushSubscription)
        .where(
            PushSubscription.org_id == org_id,
            PushSubscription.shipment_id.in_(shipment_ids),
        )
        .order_by(PushSubscription.created_at)
    )
    for row in session.scalars(query):
        found.setdefault(row.shipment_id, []).append(row)
    return found


def find(
    *, session: Session, org_id: uuid.UUID, shipment_id: uuid.UUID | None, endpoint: str
) -> PushSubscription | None:
    return session.scalar(
        select(PushSubscription).where(
            PushSubscription.org_id == org_id,
            PushSubscription.shipment_id == shipment_id,
            PushSubscription.endpoint == endpoint,
        )
    )


def forget_endpoint(*, session: Session, org_id: uuid.UUID, endpoint: str) -> int:
    """The push service said the endpoint is gone (404/410): drop it for every shipment."""
    result = session.execute(
        delete(PushSubscription).where(
            PushSubscription.org_id == org_id, PushSubscription.endpoint == endpoint
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
