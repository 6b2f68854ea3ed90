"""Writing messages to the durable outbox, inside the caller's transaction."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.hubs.models import Hub
from lastmile.notify.models import NotificationSettings, OutboxMessage, WebhookEndpoint
from lastmile.notify.rules import Rule, rules_for
from lastmile.notify.subscriptions import subscriptions_of
from lastmile.notify.types import WEBHOOK_EVENTS, Channel, Event
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import Status

_STATUS_EVENTS: dict[Status, Event] = {
    Status.OUT_FOR_DELIVERY: Event.OUT_FOR_DELIVERY,
    Status.ARRIVING: Event.ARRIVING,
    Status.DELIVERED: Event.DELIVERED,
    Status.ATTEMPTED: Event.ATTEMPTED,
}
ARRIVING_VALID_FOR = timedelta(hours=1)


def org_settings(*, session: Session, org_id: uuid.UUID) -> NotificationSettings:
    """The organisation's notification settings; defaults (not stored) when it has none."""
    found = session.scalar(
        select(NotificationSettings).where(NotificationSettings.org_id == org_id)
    )
    return found or NotificationSettings(org_id=org_id, locale="en", timezone="UTC")


def _timezone(session: Session, shipment: Shipment, settings: NotificationSettings) -> str:
    if shipment.hub_id is not None:
        hub_zone = session.scalar(select(Hub.timezone).where(Hub.id == shipment.hub_id))
        if hub_zone:
            return hub_zone
    return settings.timezone


def delivery_round(*, session: Session, shipment_id: uuid.UUID) -> int:
    """How many times the shipment went out for delivery: "arriving" is sent once per round."""
    query = select(func.count()).where(
        ShipmentEvent.shipment_id == shipment_id,
        ShipmentEvent.status == Status.OUT_FOR_DELIVERY,
    )
    return int(session.scalar(query) or 0)


def _context(shipment: Shipment, zone: str, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "shipment_id": str(shipment.id),
        "tracking_number": shipment.tracking_number,
        "tracking_token": shipment.tracking_token,
        "reference": shipment.reference,
        "recipient_name": shipment.recipient_name,
        "status": shipment.status.value,
        "timezone": zone,
        "window_start": shipment.window_start.isoformat() if shipment.window_start else None,
        "window_end": shipment.window_end.isoformat() if shipment.window_end else None,
    }
    context.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()})
    return context


def _add(session: Session, message: OutboxMessage) -> bool:
    """Insert unless a message with the same idempotency key exists (then it is a repeat)."""
    exists = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.org_id == message.org_id,
            OutboxMessage.idempotency_key == message.idempotency_key,
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return False
    return True


def _recipients(session: Session, shipment: Shipment, channel: Channel) -> list[tuple[str, str]]:
    """(address, idempotency suffix) of each recipient on a customer channel."""
    if channel is Channel.SMS and shipment.recipient_phone:
        return [(shipment.recipient_phone, channel.value)]
    if channel is Channel.EMAIL and shipment.recipient_email:
        return [(shipment.recipient_email.lower(), channel.value)]
    if channel is Channel.PUSH:
        return [
            (row.endpoint, f"push:{row.id}")
            for row in subscriptions_of(session=session, shipment=shipment)
        ]
    return []


def enqueue(
    *,
    session: Session,
    shipment: Shipment,
    event: str,
    key: str,
    rules: list[Rule] | None = None,
    expires_at: datetime | None = None,
    **extra: Any,
) -> list[OutboxMessage]:
    """Queue the messages one event causes: customers per `rules`, merchants per endpoint.

    `key` identifies the event; a repeat with the same key queues nothing.
    """
    settings = org_settings(session=session, org_id=shipment.org_id)
    zone = _timezone(session, shipment, settings)
    context = _context(shipment, zone, event=event, **extra)
    now = utcnow()
    queued = []
    for rule in rules or []:
        if not rule.enabled:
            continue
        for recipient, suffix in _recipients(session, shipment, rule.channel):
            message = OutboxMessage(
                id=uuid.uuid4(),
                org_id=shipment.org_id,
                shipment_id=shipment.id,
                event=event,
                channel=rule.channel,
                recipient=recipient,
                locale=settings.locale,
                template=rule.template,
                context=context,
                idempotency_key=f"{key}:{suffix}",
                next_attempt_at=now,
                expires_at=expires_at,
                created_at=now,
            )
            if _add(session, message):
                queued.append(message)
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.org_id == shipment.org_id, WebhookEndpoint.active.is_(True)
        )
    )
    for endpoint in endpoints:
        if endpoint.events and event not in endpoint.events:
            continue
        message = OutboxMessage(
            id=uuid.uuid4(),
            org_id=shipment.org_id,
            shipment_id=shipment.id,
            endpoint_id=endpoint.id,
            event=event,
            channel=Channel.WEBHOOK,
            recipient=endpoint.url,
            locale=settings.locale,
            template=event,
            context=context,
            idempotency_key=f"{key}:webhook:{endpoint.id}",
            next_attempt_at=now,
            created_at=now,
        )
        if _add(session, message):
            queued.append(message)
    return queued


def on_shipment_event(
    *, session: Session, shipment: Shipment, event: ShipmentEvent
) -> list[OutboxMessage]:
    """A status change was recorded (and flushed): queue what it should tell whom."""
    status = event.status
    if status.value not in WEBHOOK_EVENTS:
        return []
    notify_event = _STATUS_EVENTS.get(status)
    rules = (
        rules_for(session=session, org_id=shipment.org_id, event=notify_event)
        if notify_event
        else []
    )
    common: dict[str, Any] = {"at": event.at, "reason": event.reason}
    if status is Status.ARRIVING:
        round_ = delivery_round(session=session, shipment_id=shipment.id)
        return enqueue(
            session=session,
            shipment=shipment,
            event=status.value,
            key=f"arriving:{shipment.id}:r{round_}",
            rules=rules,
            expires_at=event.at + ARRIVING_VALID_FOR,
            **common,
        )
    return enqueue(
        session=session,
        shipment=shipment,
        event=status.value,
        key=f"status:{shipment.id}:{event.id}",
        rules=rules,
        **common,
    )
