"""Tell dispatchers about new alerts, through the notification outbox in the alert's own
transaction: an `alert.opened` webhook to every endpoint of the organisation that subscribed to it
by name (merchant endpoints listening to everything do not get fleet alerts), and an email to each
dispatcher address in the alert settings when the alert is severe enough."""

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts.models import Alert
from lastmile.alerts.schemas import AlertOut
from lastmile.alerts.signals import Severity
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.db import utcnow
from lastmile.dispatch.models import Route
from lastmile.fleet.models import Driver
from lastmile.hubs.models import Hub
from lastmile.notify.models import OutboxMessage
from lastmile.notify.outbox import org_settings, queue_webhook
from lastmile.notify.types import Channel

ALERT_OPENED = "alert.opened"


SEVERITY_ORDER = list(Severity)


def queue_alert_opened(session: Session, alert: Alert, settings: AlertThresholds) -> int:
    """Queue one webhook per subscribed endpoint and the dispatchers' emails; returns how many
    messages were queued."""
    webhooks = queue_webhook(
        session=session,
        org_id=alert.org_id,
        event=ALERT_OPENED,
        key=f"{ALERT_OPENED}:{alert.id}",
        data=AlertOut.of(alert).model_dump(mode="json"),
    )
    now = utcnow()
    return len(webhooks) + _queue_emails(session, alert, settings, now)


def _queue_emails(session: Session, alert: Alert, settings: AlertThresholds, now: datetime) -> int:
    if not settings.email_to or SEVERITY_ORDER.index(alert.severity) < SEVERITY_ORDER.index(
        settings.email_min_severity
    ):
        return 0
    notify = org_settings(session=session, org_id=alert.org_id)
    zone = None
    if alert.route_id is not None:
        zone = session.scalar(
            select(Hub.timezone)
            .join(Route, Route.hub_id == Hub.id)
            .where(Route.id == alert.route_id)
        )
    driver = session.get(Driver, alert.driver_id) if alert.driver_id is not None else None
    context = AlertOut.of(alert).model_dump(mode="json") | {
        "driver_name": driver.name if driver is not None else None,
        "timezone": zone or notify.timezone,
    }
    for address in dict.fromkeys(settings.email_to):
        session.add(
            OutboxMessage(
                id=uuid.uuid4(),
                org_id=alert.org_id,
                event=ALERT_OPENED,
                channel=Channel.EMAIL,
                recipient=address,
                locale=notify.locale,
                template=ALERT_OPENED,
                context=context,
                idempotency_key=f"{ALERT_OPENED}:{alert.id}:email:{_digest(address)}",
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(dict.fromkeys(settings.email_to))


def _digest(address: str) -> str:
    """A short stand-in for an address, so the idempotency key fits its column."""
    return hashlib.sha256(address.lower().encode()).hexdigest()[:24]
