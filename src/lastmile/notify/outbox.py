"""Writing messages to the durable outbox, inside the caller's transaction."""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.hubs.models import Hub
from lastmile.notify.models import (
    NotificationSettings,
    OutboxMessage,
    PushSubscription,
    WebhookEndpoint,
)
from lastmile.notify.rules import Rule, rules_for
from lastmile.notify.subscriptions import subscriptions_of
from lastmile.notify.types import NAMED_ONLY_EVENTS, WEBHOOK_DATA, WEBHOOK_EVENTS, Channel, Event
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


def delivery_rounds(
    *, session: Session, shipment_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """`delivery_round` of each shipment, in one query."""
    counted = session.execute(
        select(ShipmentEvent.shipment_id, func.count())
        .where(
            ShipmentEvent.shipment_id.in_(shipment_ids),
            ShipmentEvent.status == Status.OUT_FOR_DELIVERY,
        )
        .group_by(ShipmentEvent.shipment_id)
    )
    rounds = dict.fromkeys(shipment_ids, 0)
    rounds.update({shipment_id: int(n) for shipment_id, n in counted})
    return rounds


def delivery_round(*, session: Session, shipment_id: uuid.UUID) -> int:
    """How many times the shipment went out for delivery: "arriving" is sent once per round."""
    return delivery_rounds(session=session, shipment_ids=[shipment_id])[shipment_id]


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


@dataclass(frozen=True, slots=True)
class Target:
    """One message an event would queue: whom, how, and under which idempotency key."""

    channel: Channel
    recipient: str
    key: str
    template: str
    endpoint_id: uuid.UUID | None = None


def _recipients(
    shipment: Shipment, channel: Channel, subscriptions: Sequence[PushSubscription]
) -> list[tuple[str, str]]:
    """(address, idempotency suffix) of each recipient on a customer channel."""
    if channel is Channel.SMS and shipment.recipient_phone:
        return [(shipment.recipient_phone, channel.value)]
    if channel is Channel.EMAIL and shipment.recipient_email:
        return [(shipment.recipient_email.lower(), channel.value)]
    if channel is Channel.PUSH:
        return [(row.endpoint, f"push:{row.id}") for row in subscriptions]
    return []


def wants_push(rules: Sequence[Rule]) -> bool:
    return any(rule.enabled and rule.channel is Channel.PUSH for rule in rules)


def active_endpoints(*, session: Session, org_id: uuid.UUID) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.org_id == org_id, WebhookEndpoint.active.is_(True)
            )
        )
    )


def listens(endpoint: WebhookEndpoint, event: str) -> bool:
    """Whether the endpoint wants `event`: it names it, or it names none and the event is not
    one of those that must be named (`NAMED_ONLY_EVENTS`)."""
    if endpoint.events:
        return event in endpoint.events
    return event not in NAMED_ONLY_EVENTS


def queue_webhook(
    *,
    session: Session,
    org_id: uuid.UUID,
    event: str,
    key: str,
    data: Mapping[str, Any],
    shipment_id: uuid.UUID | None = None,
) -> list[OutboxMessage]:
    """Queue `event` with its `data` to every active endpoint of the organisation that listens
    to it, in the caller's transaction; `key` identifies the event (a repeat queues nothing).

    The message's context is `{WEBHOOK_DATA: data}`: the body sent is `{id, type, created_at,
    data}` with `data` exactly as given here (docs/ARCHITECTURE.md, "Webhooks").
    """
    now = utcnow()
    queued = []
    for endpoint in active_endpoints(session=session, org_id=org_id):
        if not listens(endpoint, event):
            continue
        message = OutboxMessage(
            id=uuid.uuid4(),
            org_id=org_id,
            shipment_id=shipment_id,
            endpoint_id=endpoint.id,
            event=event,
            channel=Channel.WEBHOOK,
            recipient=endpoint.url,
            locale="en",
            template=event,
            context={WEBHOOK_DATA: dict(data)},
            idempotency_key=f"{key}:webhook:{endpoint.id}",
            next_attempt_at=now,
            created_at=now,
        )
        if _add(session, message):
            queued.append(message)
    return queued


def targets(
    *,
    shipment: Shipment,
    event: str,
    key: str,
    rules: Sequence[Rule],
    subscriptions: Sequence[PushSubscription],
    endpoints: Sequence[WebhookEndpoint],
) -> list[Target]:
    """The messages an event with idempotency `key` queues: customers per `rules` (push to
    `subscriptions`), merchants per endpoint subscribed to the event."""
    found = [
        Target(rule.channel, recipient, f"{key}:{suffix}", rule.template)
        for rule in rules
        if rule.enabled
        for recipient, suffix in _recipients(shipment, rule.channel, subscriptions)
    ]
    found += [
        Target(Channel.WEBHOOK, endpoint.url, f"{key}:webhook:{endpoint.id}", event, endpoint.id)
        for endpoint in endpoints
        if listens(endpoint, event)
    ]
    return found


def enqueue(
    *,
    session: Session,
    shipment: Shipment,
    event: str,
    key: str,
    rules: Sequence[Rule] | None = None,
    expires_at: datetime | None = None,
    **extra: Any,
) -> list[OutboxMessage]:
    """Queue the messages one event causes: customers per `rules`, merchants per endpoint.

    `key` identifies the event; a repeat with the same key queues nothing.
    """
    rules = rules or []
    settings = org_settings(session=session, org_id=shipment.org_id)
    zone = _timezone(session, shipment, settings)
    context = _context(shipment, zone, event=event, **extra)
    now = utcnow()
    queued = []
    for target in targets(
        shipment=shipment,
        event=event,
        key=key,
        rules=rules,
        subscriptions=(
            subscriptions_of(session=session, shipment=shipment) if wants_push(rules) else []
        ),
        endpoints=active_endpoints(session=session, org_id=shipment.org_id),
    ):
        message = OutboxMessage(
            id=uuid.uuid4(),
            org_id=shipment.org_id,
            shipment_id=shipment.id,
            endpoint_id=target.endpoint_id,
            event=event,
            channel=target.channel,
            recipient=target.recipient,
            locale=settings.locale,
            template=target.template,
            context=context,
            idempotency_key=target.key,
            next_attempt_at=now,
            expires_at=expires_at if target.endpoint_id is None else None,
            created_at=now,
        )
        if _add(session, message):
            queued.append(message)
    return queued


def queued_keys(*, session: Session, org_id: uuid.UUID, keys: Collection[str]) -> set[str]:
    """Which of these idempotency keys the organisation's outbox already holds."""
    if not keys:
        return set()
    return set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.org_id == org_id, OutboxMessage.idempotency_key.in_(keys)
            )
        )
    )


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
