"""Orders a committed plan left off: one alert each, naming the order and why in plain words,
resolved when the order gets on a route, is cancelled or moves to another day."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lastmile.alerts import service
from lastmile.alerts.live import alert_message
from lastmile.alerts.models import Alert, AlertStatus
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.dispatch.unplanned import LeftOff, left_off, plain_reason

Messages = dict[uuid.UUID, list[dict[str, object]]]

LOOK_BACK = timedelta(days=1)
"""Plans of days before yesterday are history: their left-offs are not raised any more."""


def key_of(shipment_id: uuid.UUID) -> str:
    return f"{AlertKind.UNPLANNED_ORDER.value}:{shipment_id}"


def unplanned_alerts(session: Session, *, now: datetime) -> Messages:
    """Raise an alert per order left off a committed plan of yesterday or later that none has
    yet for that plan, and clear those whose order no longer waits."""
    changed: Messages = defaultdict(list)
    since = (now - LOOK_BACK).date()
    waiting = {item.shipment.id: item for item in left_off(session=session, since=since)}
    existing = {
        alert.shipment_id: alert
        for alert in session.scalars(
            select(Alert).where(
                Alert.kind == AlertKind.UNPLANNED_ORDER.value,
                or_(Alert.status != AlertStatus.RESOLVED, Alert.shipment_id.in_(waiting)),
            )
        )
        if alert.shipment_id is not None
    }
    for shipment_id, item in waiting.items():
        alert = existing.get(shipment_id)
        if alert is not None and alert.details.get("plan_id") == str(item.plan_id):
            continue  # raised for this plan already; a person's resolution stands
        signal = _raise(item, now)
        for opened in service.apply_signals(
            session,
            org_id=item.shipment.org_id,
            signals=[signal],
            subject=Subject(shipment_id=shipment_id),
        ):
            changed[opened.org_id].append(alert_message(opened))
    for shipment_id, alert in existing.items():
        if shipment_id in waiting or alert.status is AlertStatus.RESOLVED:
            continue
        if alert.cleared_at is not None:
            continue
        clear = Signal.clear(AlertKind.UNPLANNED_ORDER, alert.key, now)
        for cleared in service.apply_signals(
            session, org_id=alert.org_id, signals=[clear], subject=Subject()
        ):
            changed[cleared.org_id].append(alert_message(cleared))
    return changed


def _raise(item: LeftOff, now: datetime) -> Signal:
    shipment = item.shipment
    return Signal(
        kind=AlertKind.UNPLANNED_ORDER,
        key=key_of(shipment.id),
        raised=True,
        at=now,
        severity=Severity.WARNING,
        title=f"{shipment.tracking_number} is on no route for {shipment.delivery_date}:"
        f" {plain_reason(item.reason)} ({shipment.recipient_name}, {shipment.address_text})",
        lat=shipment.lat,
        lon=shipment.lon,
        details={
            "tracking_number": shipment.tracking_number,
            "reason": item.reason,
            "plan_id": str(item.plan_id),
            "date": shipment.delivery_date.isoformat(),
        },
    )
