"""Tables: proofs of delivery and the one-time delivery codes."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class ProofKind(StrEnum):
    PHOTO = "photo"
    SIGNATURE = "signature"
    RECIPIENT_NAME = "recipient_name"
    CODE = "code"
    SCAN = "scan"


PROOF_KIND_ENUM = Enum(
    ProofKind,
    name="proof_kind",
    values_callable=lambda e: [m.value for m in e],
    native_enum=False,
    length=16,
)


class Proof(OrgScoped, Base):
    """One piece of proof for a stop, stamped with the phone's time and position.

    Photos and signatures live in the blob store under `blob_key`; a name, a checked code
    or a scanned barcode is `value`.
    """

    __tablename__ = "proofs"
    __table_args__ = (Index("ix_proofs_stop", "stop_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    stop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("route_stops.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    kind: Mapped[ProofKind] = mapped_column(PROOF_KIND_ENUM)
    value: Mapped[str | None] = mapped_column(String(200))
    blob_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size_bytes: Mapped[int | None]
    at: Mapped[datetime]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryCode(OrgScoped, Base):
    """The one-time code of a stop that needs one.

    `code` is kept readable only while the stop is open, because the customer's tracking
    page must show it; it is erased when the stop is finished, leaving its hash for audit.
    """

    __tablename__ = "delivery_codes"
    __table_args__ = (UniqueConstraint("stop_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    stop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("route_stops.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(12))
    code_sha256: Mapped[str] = mapped_column(String(64))
    check_salt: Mapped[str | None] = mapped_column(String(32))
    """Hex salt of the offline check the phone runs (PBKDF2-SHA256); null on older codes."""
    check_pbkdf2: Mapped[str | None] = mapped_column(String(64))
    check_iterations: Mapped[int | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
