"""Tables: every fix received (partitioned by day on PostgreSQL) and each driver's latest one."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Column, Double, Index, String, Table, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped
from lastmile.db.types import UTCDateTime

QUALITY_OK = "ok"
QUALITY_LATE = "late"

fixes = Table(
    "fixes",
    Base.metadata,
    Column("driver_id", Uuid(), primary_key=True),
    Column("at", UTCDateTime(), primary_key=True),
    Column("org_id", Uuid(), nullable=False),
    Column("device_id", String(120), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("lat", Double(), nullable=False),
    Column("lon", Double(), nullable=False),
    Column("smoothed_lat", Double()),
    Column("smoothed_lon", Double()),
    Column("accuracy_m", Double()),
    Column("speed_mps", Double()),
    Column("heading_deg", Double()),
    Column("altitude_m", Double()),
    Column("battery_pct", Double()),
    Column("mock", Boolean(), nullable=False),
    Column("quality", String(40), nullable=False),
    Column("suspect", Boolean(), nullable=False, server_default=false()),
    Index("ix_fixes_at_brin", "at", postgresql_using="brin"),
    postgresql_partition_by="RANGE (at)",
)
"""Fixes keyed by (driver, time): a fix re-sent after a lost acknowledgement is stored once.
`suspect`: a live fix of a track that teleported and is not trusted again yet
(`ingest.filters.SpeedFilter`)."""


class DriverPosition(OrgScoped, Base):
    """The newest accepted fix of each driver, upserted with every stored batch."""

    __tablename__ = "driver_positions"

    driver_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    received_at: Mapped[datetime]
    lat: Mapped[float]
    lon: Mapped[float]
    accuracy_m: Mapped[float | None]
    speed_mps: Mapped[float | None]
    heading_deg: Mapped[float | None]
    battery_pct: Mapped[float | None]
    mock: Mapped[bool] = mapped_column(default=False)
    suspect: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Of a track that teleported and is not trusted again yet: not shown to customers."""
