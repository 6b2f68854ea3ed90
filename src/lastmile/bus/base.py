"""The bus interface: fire-and-forget publish, per-subscriber queues, JSON messages."""

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Message:
    channel: str
    data: dict[str, Any]

    @cached_property
    def encoded(self) -> str:
        """The data as compact JSON, encoded once however many streams send it on."""
        return json.dumps(self.data, separators=(",", ":"), default=_plain)

    @cached_property
    def sse(self) -> bytes:
        """The message as one Server-Sent Event named by its `type`, built once for every stream."""
        return f"event: {self.data.get('type', 'message')}\ndata: {self.encoded}\n\n".encode()


class Subscription(Protocol):
    """Messages on the subscribed channels, in publish order per channel."""

    def __aiter__(self) -> AsyncIterator[Message]: ...

    async def get(self, timeout_s: float | None = None) -> Message | None:
        """The next message, or None when `timeout_s` passes first."""
        ...

    def ready(self, limit: int) -> list[Message]:
        """Up to `limit` messages already queued, without waiting."""
        ...

    async def retune(self, *channels: str) -> None:
        """Listen to these channels from now on, losing nothing on the ones kept."""
        ...

    async def close(self) -> None: ...


class Bus(Protocol):
    async def publish(self, channel: str, data: dict[str, Any]) -> None: ...

    async def publish_to(self, channels: Sequence[str], data: dict[str, Any]) -> None:
        """The same message on several channels, in one round trip where the bus has trips."""
        ...

    async def subscribe(self, *channels: str) -> Subscription: ...

    async def reachable(self) -> bool:
        """Whether messages get through to other processes now (for `/healthz`)."""
        ...

    async def close(self) -> None: ...


def fleet_channel(org_id: object) -> str:
    """Positions and driver state of one organisation."""
    return f"fleet:{org_id}"


def staff_chat_channel(org_id: object) -> str:
    """Every driver thread of an organisation, and its customers' messages (the dispatchers'
    view)."""
    return f"chat:{org_id}"


def driver_channel(driver_id: object) -> str:
    """One driver's positions: a tracking page showing that driver listens here, not to the
    whole fleet."""
    return f"driver:{driver_id}"


def driver_app_channel(org_id: object, driver_id: object) -> str:
    """What one driver's app hears live on its one stream: its chat thread, its customers'
    messages, its route changed."""
    return f"chat:{org_id}:{driver_id}"


def routes_channel() -> str:
    """Route changes of every organisation (a reorder, a start, a stop moved, a shift's end):
    each server process keeps drivers' routes in memory for their fixes and must hear them."""
    return "routes"


def tracks_channel() -> str:
    """Word about drivers' tracks of every organisation (a dispatcher vouched for a track the
    spoofing check distrusted): each server process's fix pipeline keeps per-device track
    state and must hear it."""
    return "tracks"


def corrections_channel() -> str:
    """Shipments corrected (a new address or pin) in every organisation: the process that
    hears one re-times the shipment's open stop and its route's ETAs
    (`driver.corrections`)."""
    return "corrections"


def shipment_channel(shipment_id: object) -> str:
    """Status and ETA changes of one shipment (the tracking page listens here)."""
    return f"shipment:{shipment_id}"
