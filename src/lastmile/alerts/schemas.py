"""API shapes for alerts."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lastmile.alerts.models import Alert, AlertStatus
from lastmile.alerts.signals import AlertKind, Severity


class AlertOut(BaseModel):
    id: uuid.UUID
    kind: AlertKind
    severity: Severity
    status: AlertStatus
    title: str
    driver_id: uuid.UUID | None
    route_id: uuid.UUID | None
    shipment_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    details: dict[str, Any]
    opened_at: datetime
    last_seen_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None

    @classmethod
    def of(cls, alert: Alert) -> "AlertOut":
        return cls.model_validate(alert, from_attributes=True)


class AlertAction(BaseModel):
    note: str | None = Field(None, max_length=2000, description="what was done or decided")
