"""Tables: drivers, devices, vehicles, shifts."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class Driver(OrgScoped, Base):
    __tablename__ = "drivers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    photo_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Device(OrgScoped, Base):
    """A phone or tracker; its identifier is global because device protocols carry no tenant."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("identifier"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    identifier: Mapped[str] = mapped_column(String(120))
    driver_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    issued: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Issued by us (`POST /api/v1/drivers/{id}/device-ids`: long and random), not typed in by
    hand: an organisation may refuse OsmAnd fixes from any other (`osmand_issued_ids_only`)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vehicle(OrgScoped, Base):
    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("org_id", "plate"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plate: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    capacity_kg: Mapped[float | None]
    capacity_m3: Mapped[float | None]
    capacity_parcels: Mapped[int | None]
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Shift(OrgScoped, Base):
    """A driver on duty; `ended_at` is None while the shift runs."""

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_driver_started", "driver_id", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    odometer_start_km: Mapped[float | None]
    odometer_end_km: Mapped[float | None]
