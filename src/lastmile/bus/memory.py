"""The embedded bus: asyncio queues inside one process."""

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from lastmile.bus.base import Message

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000


class MemorySubscription:
    def __init__(self, bus: "MemoryBus", channels: tuple[str, ...]) -> None:
        self._bus = bus
        self.channels = channels
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0

    def offer(self, message: Message) -> None:
        """Queue without waiting; a subscriber that cannot keep up loses its oldest message."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
            if self.dropped in (1, 100, 10_000):
                log.warning(
                    "slow subscriber on %s has lost %d messages", self.channels, self.dropped
                )
        self.queue.put_nowait(message)

    async def get(self, timeout_s: float | None = None) -> Message | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None

    def ready(self, limit: int) -> list[Message]:
        taken: list[Message] = []
        while len(taken) < limit and not self.queue.empty():
            taken.append(self.queue.get_nowait())
        return taken

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            yield await self.queue.get()

    async def retune(self, *channels: str) -> None:
        self._bus.unsubscribe(self)
        self.channels = channels
        self._bus.attach(self)

    async def close(self) -> None:
        self._bus.unsubscribe(self)


class MemoryBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[MemorySubscription]] = defaultdict(set)

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        message = Message(channel, data)
        for subscription in tuple(self._subscribers.get(channel, ())):
            subscription.offer(message)

    async def publish_to(self, channels: Sequence[str], data: dict[str, Any]) -> None:
        for channel in channels:
            await self.publish(channel, data)

    async def subscribe(self, *channels: str) -> MemorySubscription:
        return self.attach(MemorySubscription(self, channels))

    async def reachable(self) -> bool:
        return True

    def attach[S: MemorySubscription](self, subscription: S) -> S:
        """Deliver messages of the subscription's channels to it from now on."""
        for channel in subscription.channels:
            self._subscribers[channel].add(subscription)
        return subscription

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def unsubscribe(self, subscription: MemorySubscription) -> None:
        for channel in subscription.channels:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[channel]

    async def close(self) -> None:
        self._subscribers.clear()
