"""The scale-out bus: Redis pub/sub, so that every API process sees every update.

One Redis subscriber connection per process, whatever the number of open streams: it
subscribes to a channel while at least one local stream wants it and hands each message to
the local subscribers through the in-process bus. (A connection per stream exhausted the pool
at a few hundred open tracking pages and stalled every publish behind it: bench/load.py.)

Publishing is coalesced: whatever the process's requests publish while a pipeline is in
flight goes out together in the next one, in the order it was published, and each `publish`
returns once Redis has taken its message. (A round trip per fix was a tenth of an API
process's CPU at 2,000 drivers.)
"""

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from lastmile.bus.memory import MemoryBus, MemorySubscription

log = logging.getLogger(__name__)

POOL_SIZE = 64
POOL_WAIT_S = 5.0
RECONNECT_S = 1.0
CONNECT_TIMEOUT_S = 2.0
"""A Redis that does not answer a new connection: publishers fail instead of waiting on it."""
PING_TIMEOUT_S = 1.0


_Outgoing = tuple[tuple[str, ...], str, "asyncio.Future[None]"]
"""Channels, the encoded message, and the future its publisher awaits."""


class RedisSubscription(MemorySubscription):
    """A local subscription whose channels the process relays from Redis while it is open."""

    def __init__(self, relay: "RedisBus", local: MemoryBus, channels: tuple[str, ...]) -> None:
        super().__init__(local, channels)
        self._relay = relay

    async def retune(self, *channels: str) -> None:
        before = self.channels
        await self._relay.want(channels)
        await super().retune(*channels)
        await self._relay.release(before)

    async def close(self) -> None:
        await super().close()
        await self._relay.release(self.channels)


class RedisBus:
    def __init__(self, url: str) -> None:
        # A bounded pool that waits for a free connection rather than failing under bursts.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT_S,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
        )
        self._redis = Redis.from_pool(pool)
        self._local = MemoryBus()
        self._wanted: Counter[str] = Counter()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._outgoing: list[_Outgoing] = []
        self._sender: asyncio.Task[None] | None = None

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        await self.publish_to((channel,), data)

    async def publish_to(self, channels: Sequence[str], data: dict[str, Any]) -> None:
        sent = asyncio.get_running_loop().create_future()
        self._outgoing.append((tuple(channels), json.dumps(data, separators=(",", ":")), sent))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="redis-bus-publish")
        await sent

    async def _send(self) -> None:
        """Send what is waiting, one pipeline at a time, until nothing is."""
        while self._outgoing:
            batch, self._outgoing = self._outgoing, []
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for channels, encoded, _ in batch:
                        for channel in channels:
                            pipe.publish(channel, encoded)
                    await pipe.execute()
            except Exception as error:
                for *_, sent in batch:
                    if not sent.done():
                        sent.set_exception(error)
            else:
                for *_, sent in batch:
                    if not sent.done():
                        sent.set_result(None)

    async def subscribe(self, *channels: str) -> RedisSubscription:
        subscription = self._local.attach(RedisSubscription(self, self._local, channels))
        await self.want(channels)
        return subscription

    async def reachable(self) -> bool:
        try:
            await asyncio.wait_for(self._redis.ping(), PING_TIMEOUT_S)
        except (RedisError, OSError, TimeoutError):
            return False
        return True

    async def want(self, channels: tuple[str, ...]) -> None:
        """Relay these channels from Redis until as many `release` calls come back."""
        async with self._lock:
            new = [c for c in channels if self._wanted[c] == 0]
            self._wanted.update(channels)
            if self._pubsub is None:
                self._pubsub = self._redis.pubsub()
            if new:
                await self._pubsub.subscribe(*new)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._relay(), name="redis-bus-relay")

    async def release(self, channels: tuple[str, ...]) -> None:
        async with self._lock:
            self._wanted.subtract(channels)
            gone = [c for c in channels if self._wanted[c] <= 0]
            for channel in gone:
                del self._wanted[channel]
            if gone and self._pubsub is not None:
                await self._pubsub.unsubscribe(*gone)

    async def _relay(self) -> None:
        """Read the process's one subscriber connection and fan each message out locally."""
        assert self._pubsub is not None
        pubsub = self._pubsub
        lost = False
        while True:
            try:
                raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                # Once per outage, not every second of it: live updates pause until Redis is
                # back, when the connection is made again and its channels subscribed again.
                if not lost:
                    log.warning("the Redis bus relay lost its connection (%s); retrying", error)
                lost = True
                await asyncio.sleep(RECONNECT_S)
                continue
            except Exception:
                log.exception("the Redis bus relay failed; retrying")
                await asyncio.sleep(RECONNECT_S)
                continue
            if lost:
                log.warning("the Redis bus relay is connected again: live updates resume")
                lost = False
            if raw is not None and raw.get("type") == "message":
                await self._local.publish(raw["channel"].decode(), json.loads(raw["data"]))

    async def close(self) -> None:
        if self._sender is not None:
            with contextlib.suppress(Exception):
                await self._sender
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._local.close()
        await self._redis.aclose()
