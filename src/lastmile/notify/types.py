"""The shapes notify passes around: channels, events, message states, a rendered message."""

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"
    PUSH = "push"


class Event(StrEnum):
    """What a customer is told about; webhooks also get every other status change."""

    OUT_FOR_DELIVERY = "out_for_delivery"
    ARRIVING = "arriving"
    DELIVERED = "delivered"
    ATTEMPTED = "attempted"
    DELAYED = "delayed"


WEBHOOK_EVENTS: tuple[str, ...] = (
    "at_hub",
    "out_for_delivery",
    "arriving",
    "delivered",
    "attempted",
    "returned_to_hub",
    "cancelled",
    "exception",
    "delayed",
    "alert.opened",
    "address.needs_attention",
    "charge.created",
    "invoice.issued",
)
"""What an endpoint may subscribe to; `alert.opened` (fleet alerts, for dispatchers' systems) only
goes to endpoints that name it; `address.needs_attention` (a new shipment's address scored below
the organisation's threshold) and `charge.created` (a delivery event added lines to the
merchant's account) go to those that name them or listen to everything; `invoice.issued`
(billing) only goes to endpoints that name it."""

NAMED_ONLY_EVENTS: frozenset[str] = frozenset({"alert.opened", "invoice.issued"})
"""Events an endpoint listening to everything (no `events`) does not get: it must name them."""

WEBHOOK_DATA = "webhook_data"
"""The context key of a message queued by `notify.outbox.queue_webhook`: the whole `data` of the
webhook, written when it was queued and sent as it is."""


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for a channel: the text (and subject), or a webhook's JSON body."""

    message_id: uuid.UUID
    channel: Channel
    recipient: str
    idempotency_key: str
    body: str
    subject: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    secret: str | None = field(default=None, repr=False)
    push_keys: dict[str, str] | None = field(default=None, repr=False)
    """A browser push subscription's `p256dh` and `auth` keys (base64url), to encrypt for it."""


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None = None
    provider_id: str | None = None


class SendError(Exception):
    """A send that failed; `retry` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retry: bool, status_code: int | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.status_code = status_code
