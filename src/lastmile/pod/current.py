"""What the rest of the platform reads about a shipment's proof of delivery."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.config import Settings
from lastmile.dispatch.models import RouteStop, StopStatus
from lastmile.pod.models import DeliveryCode, Proof, ProofKind
from lastmile.pod.stores import open_blob_store


@dataclass(frozen=True, slots=True)
class DeliveryProof:
    completed_at: datetime
    recipient_name: str | None
    photo_keys: tuple[str, ...]
    lat: float | None
    lon: float | None


def delivery_proof(
    session: Session, *, org_id: uuid.UUID, shipment_id: uuid.UUID
) -> DeliveryProof | None:
    """The proof recorded when the shipment was delivered, or None."""
    stop = session.scalar(
        select(RouteStop)
        .where(
            RouteStop.org_id == org_id,
            RouteStop.shipment_id == shipment_id,
            RouteStop.status == StopStatus.COMPLETED,
        )
        .order_by(RouteStop.finished_at.desc())
        .limit(1)
    )
    if stop is None or stop.finished_at is None:
        return None
    proofs = list(
        session.scalars(
            select(Proof)
            .where(Proof.org_id == org_id, Proof.stop_id == stop.id)
            .order_by(Proof.at, Proof.id)
        )
    )
    names = [p.value for p in proofs if p.kind is ProofKind.RECIPIENT_NAME]
    located = [p for p in proofs if p.lat is not None and p.lon is not None]
    return DeliveryProof(
        completed_at=stop.finished_at,
        recipient_name=names[-1] if names else None,
        photo_keys=tuple(p.blob_key for p in proofs if p.kind is ProofKind.PHOTO and p.blob_key),
        lat=located[-1].lat if located else None,
        lon=located[-1].lon if located else None,
    )


def delivery_code(session: Session, *, org_id: uuid.UUID, shipment_id: uuid.UUID) -> str | None:
    """The one-time code the customer gives the driver, while the shipment's stop needs one."""
    return session.scalar(
        select(DeliveryCode.code)
        .join(RouteStop, RouteStop.id == DeliveryCode.stop_id)
        .where(
            DeliveryCode.org_id == org_id,
            DeliveryCode.shipment_id == shipment_id,
            DeliveryCode.code.is_not(None),
            RouteStop.status.in_((StopStatus.PENDING, StopStatus.ARRIVED)),
        )
        .order_by(DeliveryCode.created_at.desc())
        .limit(1)
    )


def read_photo(settings: Settings, key: str) -> bytes:
    """A stored proof photo (JPEG or PNG bytes) from the blob store."""
    return open_blob_store(settings).get(key)
