"""Tell dispatchers' systems about new alerts: an `alert.opened` webhook to every endpoint of the
organisation that subscribed to it by name (merchant endpoints listening to everything do not get
fleet alerts), through the notification outbox, in the alert's own transaction."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts.models import Alert
from lastmile.alerts.schemas import AlertOut
from lastmile.db import utcnow
from lastmile.notify.models import OutboxMessage, WebhookEndpoint
from lastmile.notify.types import Channel

ALERT_OPENED = "alert.opened"


def queue_alert_opened(session: Session, alert: Alert) -> int:
    """Queue one webhook per subscribed endpoint; returns how many were queued."""
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.org_id == alert.org_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
    subscribed = [e for e in endpoints if ALERT_OPENED in (e.events or [])]
    now = utcnow()
    context = AlertOut.of(alert).model_dump(mode="json")
    for endpoint in subscribed:
        session.add(
            OutboxMessage(
                id=uuid.uuid4(),
                org_id=alert.org_id,
                endpoint_id=endpoint.id,
                event=ALERT_OPENED,
                channel=Channel.WEBHOOK,
                recipient=endpoint.url,
                locale="en",
                template=ALERT_OPENED,
                context=context,
                idempotency_key=f"{ALERT_OPENED}:{alert.id}:webhook:{endpoint.id}",
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(subscribed)
