"""The scale-out bus: Redis pub/sub, so that every API process sees every update."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub

from lastmile.bus.base import Message


class RedisSubscription:
    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def get(self, timeout_s: float | None = None) -> Message | None:
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while True:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            raw = await self._pubsub.get_message(
                ignore_subscribe_messages=True, timeout=remaining if remaining is not None else 1.0
            )
            if raw is not None and raw.get("type") == "message":
                return Message(raw["channel"].decode(), json.loads(raw["data"]))
            if deadline is not None and loop.time() >= deadline:
                return None

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            message = await self.get()
            if message is not None:
                yield message

    async def close(self) -> None:
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]


POOL_SIZE = 64
POOL_WAIT_S = 5.0


class RedisBus:
    def __init__(self, url: str) -> None:
        # A bounded pool that waits for a free connection rather than failing under bursts.
        pool = BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_WAIT_S)
        self._redis = Redis.from_pool(pool)

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        await self._redis.publish(channel, json.dumps(data, separators=(",", ":")))

    async def subscribe(self, *channels: str) -> RedisSubscription:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(*channels)
        return RedisSubscription(pubsub)

    async def close(self) -> None:
        await self._redis.aclose()
