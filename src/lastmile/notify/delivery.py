"""What happens to one outbox message before and after a send: checks, claim, outcome, backoff."""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.notify import subscriptions
from lastmile.notify.models import DeliveryAttempt, NotificationSettings, OptOut, OutboxMessage
from lastmile.notify.outbox import org_settings
from lastmile.notify.quiet import quiet_until
from lastmile.notify.types import Channel, MessageStatus

DEFERRED_IN_QUIET_HOURS = frozenset({Channel.SMS, Channel.PUSH})
"""Channels that buzz a phone in someone's pocket; email waits in the inbox on its own."""


def backoff_s(attempt: int, *, base_s: float, max_s: float, rng: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of `base * 2^(attempt-1)`, capped.

    >>> backoff_s(1, base_s=10, max_s=3600, rng=lambda: 1.0)
    10.0
    >>> backoff_s(4, base_s=10, max_s=3600, rng=lambda: 0.0)
    40.0
    >>> backoff_s(20, base_s=10, max_s=3600, rng=lambda: 1.0)
    3600.0
    """
    ceiling = min(max_s, base_s * 2.0 ** (attempt - 1))
    return ceiling / 2 + ceiling / 2 * rng()


@dataclass(frozen=True, slots=True)
class Hold:
    """Why a message is not sent now: suppressed for good, or deferred until `until`."""

    reason: str
    until: datetime | None = None


def is_opted_out(*, session: Session, message: OutboxMessage) -> bool:
    """The recipient asked for no more (a browser that unsubscribed counts as having asked)."""
    if message.channel is Channel.WEBHOOK:
        return False
    if message.channel is Channel.PUSH:
        subscribed = subscriptions.find(
            session=session,
            org_id=message.org_id,
            shipment_id=message.shipment_id,
            endpoint=message.recipient,
        )
        if subscribed is None:
            return True
    found = session.scalar(
        select(OptOut.id).where(
            OptOut.org_id == message.org_id,
            OptOut.channel == message.channel,
            OptOut.address == message.recipient,
        )
    )
    return found is not None


def hold(
    *,
    session: Session,
    message: OutboxMessage,
    now: datetime,
    settings_of: Callable[[uuid.UUID], NotificationSettings],
) -> Hold | None:
    """None if the message may go now; else why not (expired, opted out, quiet hours)."""
    if message.expires_at is not None and now >= message.expires_at:
        return Hold("expired before it could be sent")
    if is_opted_out(session=session, message=message):
        return Hold("the recipient opted out")
    if message.channel not in DEFERRED_IN_QUIET_HOURS:
        return None
    org = settings_of(message.org_id)
    zone = ZoneInfo(message.context.get("timezone") or org.timezone)
    until = quiet_until(now, start=org.quiet_start, end=org.quiet_end, zone=zone)
    if until is None:
        return None
    if message.expires_at is not None and until >= message.expires_at:
        return Hold("quiet hours last past the moment it would be useful")
    return Hold("quiet hours", until=until)


def settings_cache(session: Session) -> Callable[[uuid.UUID], NotificationSettings]:
    cache: dict[uuid.UUID, NotificationSettings] = {}

    def get(org_id: uuid.UUID) -> NotificationSettings:
        if org_id not in cache:
            cache[org_id] = org_settings(session=session, org_id=org_id)
        return cache[org_id]

    return get


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: bool
    retry: bool
    duration_ms: float
    status_code: int | None = None
    error: str | None = None


def record_outcome(
    *,
    session: Session,
    message: OutboxMessage,
    outcome: Outcome,
    worker: str,
    now: datetime,
    max_attempts: int,
    next_delay_s: float,
) -> DeliveryAttempt:
    """Log the attempt and move the message on: sent, retry later, or dead."""
    if outcome.sent:
        label = "sent"
        message.status = MessageStatus.SENT
        message.sent_at = now
        message.last_error = None
    elif outcome.retry and message.attempts < max_attempts:
        label = "retry"
        message.next_attempt_at = now + timedelta(seconds=next_delay_s)
        message.last_error = outcome.error
    else:
        label = "dead"
        message.status = MessageStatus.DEAD
        message.last_error = outcome.error
    message.claimed_until = None
    message.claimed_by = None
    attempt = DeliveryAttempt(
        org_id=message.org_id,
        message_id=message.id,
        attempt=message.attempts,
        at=now,
        duration_ms=outcome.duration_ms,
        outcome=label,
        status_code=outcome.status_code,
        error=outcome.error,
        worker=worker,
    )
    session.add(attempt)
    return attempt


def new_rng() -> Callable[[], float]:
    return random.SystemRandom().random
