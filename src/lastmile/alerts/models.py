"""Tables: alerts (one row per exception, keyed for deduplication) and per-org thresholds."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.alerts.signals import Severity
from lastmile.db.base import Base, OrgScoped, new_id


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=16,
    )


class Alert(OrgScoped, Base):
    """An exception a dispatcher should see; `key` makes a detector's repeats update one row."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("org_id", "key", name="uq_alerts_org_key"),
        Index("ix_alerts_org_status_opened", "org_id", "status", "opened_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "alert_severity"))
    status: Mapped[AlertStatus] = mapped_column(
        _enum(AlertStatus, "alert_status"), default=AlertStatus.OPEN
    )
    title: Mapped[str] = mapped_column(Text)
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    route_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("routes.id", ondelete="SET NULL"))
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL")
    )
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)


class AlertSettings(OrgScoped, Base):
    """An organisation's threshold overrides; absent keys take the defaults."""

    __tablename__ = "alert_settings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (UniqueConstraint("org_id", name="uq_alert_settings_org"),)
