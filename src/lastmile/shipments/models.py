"""Tables: shipments and their append-only event timeline."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    column,
    false,
    select,
    table,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.types import Money
from lastmile.shipments.status import Status

STATUS_ENUM = Enum(
    Status,
    name="shipment_status",
    values_callable=lambda e: [m.value for m in e],
    native_enum=False,
    length=32,
)


_MERCHANTS = table("merchants", column("id", Uuid()), column("code", String(40)))


class Shipment(OrgScoped, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("org_id", "reference"),
        Index("ix_shipments_org_created", "org_id", "created_at", "id"),
        Index("ix_shipments_org_delivery_date", "org_id", "delivery_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tracking_number: Mapped[str] = mapped_column(String(16), unique=True)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[Status] = mapped_column(STATUS_ENUM, default=Status.CREATED)
    hub_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hubs.id", ondelete="SET NULL"), index=True
    )
    driver_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("merchants.id", ondelete="SET NULL"), index=True
    )
    """Who ships it and is invoiced for it; none means the organisation's default merchant."""
    merchant_code: Mapped[str | None] = column_property(
        select(_MERCHANTS.c.code)
        .where(_MERCHANTS.c.id == merchant_id)
        .correlate_except(_MERCHANTS)
        .scalar_subquery()
    )
    """The merchant's code, read with the row (billing's table, named here without importing
    billing, which sits above shipments)."""

    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    address_text: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address_score: Mapped[int | None] = mapped_column(SmallInteger)
    """0..100 from the geocoder (`addresses.quality`); null when no address index exists."""
    address_reasons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    """Why the score is not 100: `{"code", "message"}` each."""
    address_geocoded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """`lat`/`lon` were filled in from the text rather than given."""

    delivery_date: Mapped[date]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    service_time_s: Mapped[int] = mapped_column(Integer, default=120)
    weight_kg: Mapped[float | None]
    volume_m3: Mapped[float | None]
    parcel_count: Mapped[int] = mapped_column(Integer, default=1)
    cod_amount: Mapped[Decimal | None] = mapped_column(Money())
    cod_currency: Mapped[str | None] = mapped_column(String(3))
    instructions: Mapped[str | None] = mapped_column(Text)
    safe_place: Mapped[str | None] = mapped_column(String(32))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ShipmentEvent(OrgScoped, Base):
    """One immutable step of a shipment's timeline, ordered by its own time `at`."""

    __tablename__ = "shipment_events"
    __table_args__ = (Index("ix_shipment_events_timeline", "shipment_id", "at", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    status: Mapped[Status] = mapped_column(STATUS_ENUM)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None]
    lon: Mapped[float | None]


class PendingRetime(OrgScoped, Base):
    """A correction that moved a shipment, written in the correction's own transaction and
    deleted by the transaction that re-times its stop (`driver.corrections`): a process killed
    between the two leaves the row, and the next one to start re-times it."""

    __tablename__ = "pending_retimes"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
