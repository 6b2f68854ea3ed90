"""A delivery code the server refused: the phone may have let the driver hand the parcel over
(offline, when its own check could not run), so the dispatcher hears of it at once."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lastmile.alerts import service
from lastmile.alerts.live import alert_message
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.shipments.models import Shipment


def delivery_code_refused(
    session: Session,
    *,
    driver_id: uuid.UUID,
    driver_name: str,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    sequence: int,
    shipment: Shipment,
    at: datetime,
) -> list[dict[str, Any]]:
    """Raise (or update) the stop's alert; returns the messages to publish once committed."""
    signal = Signal(
        kind=AlertKind.DELIVERY_CODE_REFUSED,
        key=f"{AlertKind.DELIVERY_CODE_REFUSED.value}:{stop_id}",
        raised=True,
        at=at,
        severity=Severity.WARNING,
        title=f"{driver_name} gave a wrong delivery code for {shipment.tracking_number} "
        f"(stop {sequence + 1}, {shipment.recipient_name}, {shipment.address_text})",
        lat=shipment.lat,
        lon=shipment.lon,
        details={"stop_id": str(stop_id), "tracking_number": shipment.tracking_number},
    )
    subject = Subject(driver_id=driver_id, route_id=route_id, shipment_id=shipment.id)
    changed = service.apply_signals(
        session, org_id=shipment.org_id, signals=[signal], subject=subject
    )
    return [alert_message(alert) for alert in changed]
