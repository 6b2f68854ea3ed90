"""Managing rules, settings, webhook endpoints, opt-outs and the delivery log; no HTTP here."""

import uuid
from collections.abc import Sequence
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.credentials import new_token
from lastmile.db import utcnow
from lastmile.errors import InvalidInput, NotFound
from lastmile.notify.models import (
    DeliveryAttempt,
    NotificationRule,
    NotificationSettings,
    OptOut,
    OutboxMessage,
    WebhookEndpoint,
)
from lastmile.notify.render import FALLBACK_LOCALE, TEMPLATES
from lastmile.notify.rules import CUSTOMER_CHANNELS, Rule, effective_rules
from lastmile.notify.types import WEBHOOK_EVENTS, Channel, Event, MessageStatus
from lastmile.notify.webhook_url import Resolver, check_form, check_url, system_resolver

WEBHOOK_SECRET_PREFIX = "whsec_"


def available_locales() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir())


def update_rule(
    *,
    session: Session,
    org_id: uuid.UUID,
    event: Event,
    channel: Channel,
    enabled: bool,
    template: str | None,
    minutes_before: int | None,
    stops_away: int | None,
) -> Rule:
    """Store the organisation's own rule for (event, channel); returns the rule in force."""
    if channel not in CUSTOMER_CHANNELS:
        raise InvalidInput(
            "channel",
            f"rules are for {', '.join(CUSTOMER_CHANNELS)}; webhooks are chosen per endpoint",
        )
    if (
        template is not None
        and not (TEMPLATES / FALLBACK_LOCALE / f"{template}.{channel.value}.j2").is_file()
    ):
        raise InvalidInput("template", f"no template {template!r} for {channel.value}")
    if event is Event.ARRIVING and enabled and minutes_before is None and stops_away is None:
        raise InvalidInput(
            "minutes_before", "an arriving rule needs `minutes_before` or `stops_away`"
        )
    row = session.scalar(
        select(NotificationRule).where(
            NotificationRule.org_id == org_id,
            NotificationRule.event == event.value,
            NotificationRule.channel == channel,
        )
    )
    if row is None:
        row = NotificationRule(org_id=org_id, event=event.value, channel=channel)
        session.add(row)
    row.enabled = enabled
    row.template = template
    row.minutes_before = minutes_before
    row.stops_away = stops_away
    session.flush()
    return next(
        r
        for r in effective_rules(session=session, org_id=org_id)
        if r.event is event and r.channel is channel
    )


def reset_rule(*, session: Session, org_id: uuid.UUID, event: Event, channel: Channel) -> None:
    row = session.scalar(
        select(NotificationRule).where(
            NotificationRule.org_id == org_id,
            NotificationRule.event == event.value,
            NotificationRule.channel == channel,
        )
    )
    if row is not None:
        session.delete(row)
        session.flush()


def save_settings(
    *,
    session: Session,
    org_id: uuid.UUID,
    locale: str,
    timezone: str,
    quiet_start: time | None,
    quiet_end: time | None,
) -> NotificationSettings:
    if locale not in available_locales():
        raise InvalidInput(
            "locale", f"{locale!r} has no templates; use one of {available_locales()}"
        )
    row = session.scalar(select(NotificationSettings).where(NotificationSettings.org_id == org_id))
    if row is None:
        row = NotificationSettings(org_id=org_id)
        session.add(row)
    row.locale = locale
    row.timezone = timezone
    row.quiet_start = quiet_start
    row.quiet_end = quiet_end
    session.flush()
    return row


def create_webhook(
    *,
    session: Session,
    org_id: uuid.UUID,
    url: str,
    events: Sequence[str],
    description: str,
    allow_private: bool = False,
    resolve: Resolver = system_resolver,
) -> WebhookEndpoint:
    """Register an endpoint; refuses (on `url`) a URL the SSRF guard would not call.

    With `allow_private` the host is not resolved here: any address will do, and a LAN name
    may only resolve where the worker runs.
    """
    if allow_private:
        check_form(url)
    else:
        check_url(url, allow_private=False, resolve=resolve)
    for index, name in enumerate(events):
        if name not in WEBHOOK_EVENTS:
            raise InvalidInput(
                f"events.{index}", f"{name!r} is not one of {', '.join(WEBHOOK_EVENTS)}"
            )
    endpoint = WebhookEndpoint(
        org_id=org_id,
        url=url,
        secret=WEBHOOK_SECRET_PREFIX + new_token(32),
        events=sorted(set(events)),
        description=description,
        active=True,
        created_at=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def list_webhooks(*, session: Session, org_id: uuid.UUID) -> list[WebhookEndpoint]:
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_id)
        .order_by(WebhookEndpoint.created_at)
    )
    return list(session.scalars(query))


def delete_webhook(
    *, session: Session, org_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    """Disable the endpoint (its delivery log stays readable); nothing more is sent to it."""
    endpoint = session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.org_id == org_id, WebhookEndpoint.id == endpoint_id
        )
    )
    if endpoint is None or not endpoint.active:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    endpoint.active = False
    session.flush()
    return endpoint


def _normal(channel: Channel, address: str) -> str:
    return address.strip().lower() if channel is Channel.EMAIL else address.strip()


def find_opt_out(
    *, session: Session, org_id: uuid.UUID, channel: Channel, address: str
) -> OptOut | None:
    address = _normal(channel, address)
    return session.scalar(
        select(OptOut).where(
            OptOut.org_id == org_id, OptOut.channel == channel, OptOut.address == address
        )
    )


def opt_out(
    *, session: Session, org_id: uuid.UUID, channel: Channel, address: str, source: str
) -> OptOut:
    """Record (idempotently) that this address wants nothing more on this channel."""
    found = find_opt_out(session=session, org_id=org_id, channel=channel, address=address)
    if found is not None:
        return found
    address = _normal(channel, address)
    row = OptOut(
        org_id=org_id, channel=channel, address=address, source=source, created_at=utcnow()
    )
    session.add(row)
    session.flush()
    return row


def list_opt_outs(*, session: Session, org_id: uuid.UUID) -> list[OptOut]:
    query = select(OptOut).where(OptOut.org_id == org_id).order_by(OptOut.created_at)
    return list(session.scalars(query))


def remove_opt_out(*, session: Session, org_id: uuid.UUID, opt_out_id: uuid.UUID) -> OptOut:
    """Delete the opt-out; the row it was is returned (to name it)."""
    row = session.scalar(select(OptOut).where(OptOut.org_id == org_id, OptOut.id == opt_out_id))
    if row is None:
        raise NotFound(f"no opt-out {opt_out_id}")
    session.delete(row)
    session.flush()
    return row


def list_deliveries(
    *,
    session: Session,
    org_id: uuid.UUID,
    channel: Channel | None,
    status: MessageStatus | None,
    shipment_id: uuid.UUID | None,
    limit: int,
) -> list[OutboxMessage]:
    """Newest first."""
    query = select(OutboxMessage).where(OutboxMessage.org_id == org_id)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if shipment_id is not None:
        query = query.where(OutboxMessage.shipment_id == shipment_id)
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(limit)
    return list(session.scalars(query))


def get_delivery(
    *, session: Session, org_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[OutboxMessage, list[DeliveryAttempt]]:
    message = session.scalar(
        select(OutboxMessage).where(OutboxMessage.org_id == org_id, OutboxMessage.id == message_id)
    )
    if message is None:
        raise NotFound(f"no delivery {message_id}")
    attempts = session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.message_id == message.id)
        .order_by(DeliveryAttempt.id)
    )
    return message, list(attempts)


def replay_delivery(*, session: Session, org_id: uuid.UUID, message_id: uuid.UUID) -> OutboxMessage:
    """Send again now, with the same idempotency key; a pending message is left as it is."""
    message, _ = get_delivery(session=session, org_id=org_id, message_id=message_id)
    if message.status is MessageStatus.PENDING:
        return message
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.expires_at = None
    message.claimed_until = None
    message.claimed_by = None
    session.flush()
    return message
