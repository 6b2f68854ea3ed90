"""The limiter: named rules from settings, counted in memory or in Redis by `limits`.

`limits` (PyPI) does the counting: a sliding-window counter per rule and key, O(1) in memory
and one Lua call in Redis, so several `lastmile serve` processes on one Redis share one
budget. The store follows the bus: `LASTMILE_BUS_URL=redis://…` means Redis, `memory://`
(the embedded default) means this process's memory.

A store that fails (Redis down) lets the request through: refusing every sign-in and every
fix because the counter is unreachable would be worse than a pause in counting. Each such
pass is logged and counted (`health()`, shown by `/healthz`).
"""

import hashlib
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

import redis.asyncio
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.aio.strategies import (
    RateLimiter as Strategy,
)
from limits.errors import StorageError

from lastmile.config import Settings
from lastmile.errors import InvalidInput, RateLimited

log = logging.getLogger(__name__)

KEY_PREFIX = "lastmile:limits"
EXACT_UP_TO = 100
"""Budgets this small (sign-ins) are counted exactly, in a moving window: the sixth wrong
password of five a minute is refused whatever second of the minute it comes in. Larger ones
(location reports, API keys) use the sliding-window counter, a few bytes per key however busy,
whose estimate may let a burst astride two windows through by a fraction of the budget."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One budget: `items` (e.g. 10 per minute and 30 per hour), and what it counts."""

    name: str
    items: tuple[RateLimitItem, ...]
    counts: str
    """Said in the 429's detail: "sign-in attempts from this address"."""

    @classmethod
    def parse(cls, name: str, text: str, counts: str) -> "Rule":
        try:
            items = tuple(parse_many(text))
        except ValueError:
            raise InvalidInput(
                f"LASTMILE_RATE_LIMIT_{name.upper()}",
                f"is {text!r}: write limits such as '10/minute;100/hour'",
            ) from None
        return cls(name, items, counts)


@dataclass(frozen=True, slots=True)
class Rules:
    """Every rule, from the `rate_limit_*` settings."""

    sign_in_ip: Rule
    pin_sign_in_ip: Rule
    sign_in_account: Rule
    tracking_ip: Rule
    osmand_ip: Rule
    osmand_device: Rule
    api_key: Rule

    @classmethod
    def from_settings(cls, settings: Settings) -> "Rules":
        counts = {
            "sign_in_ip": "sign-in attempts from this address",
            "pin_sign_in_ip": "driver sign-in attempts from this address",
            "sign_in_account": "sign-in attempts for this account",
            "tracking_ip": "tracking page requests from this address",
            "osmand_ip": "location reports from this address",
            "osmand_device": "location reports for this device",
            "api_key": "requests with this API key",
        }
        return cls(
            **{
                f.name: Rule.parse(
                    f.name, getattr(settings, f"rate_limit_{f.name}"), counts[f.name]
                )
                for f in fields(cls)
            }
        )


def open_storage(bus_url: str) -> tuple[Storage, redis.asyncio.ConnectionPool | None]:
    """Memory for the in-process bus, Redis for a Redis bus (and the pool to close)."""
    if not bus_url.startswith(("redis://", "rediss://", "unix://")):
        return MemoryStorage(), None
    pool = redis.asyncio.ConnectionPool.from_url(bus_url)
    uri = (
        "async+redis+unix" + bus_url.removeprefix("unix")
        if bus_url.startswith("unix")
        else ("async+" + bus_url)
    )
    storage = RedisStorage(
        uri,
        implementation="redispy",
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        connection_pool=pool,  # type: ignore[arg-type]  # handed to redis as is
    )
    return storage, pool


def _digest(key: str) -> str:
    """Keys name accounts and addresses: the store keeps a digest, never the email itself."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits
        self.rules = Rules.from_settings(settings)
        self._storage, self._pool = open_storage(settings.bus_url)
        self._exact = MovingWindowRateLimiter(self._storage)
        self._estimated = SlidingWindowCounterRateLimiter(self._storage)
        self.refused: Counter[str] = Counter()
        self.store_failures = 0

    async def hit(self, rule: Rule, key: str) -> None:
        """Count one request against `rule` for `key`; RateLimited once over any of its items."""
        if not self.enabled:
            return
        digest = _digest(key)
        try:
            for item in rule.items:
                strategy = self._strategy_for(item)
                if not await strategy.hit(item, rule.name, digest):
                    stats = await strategy.get_window_stats(item, rule.name, digest)
                    self.refused[rule.name] += 1
                    retry_after_s = max(1, math.ceil(stats.reset_time - time.time()))
                    raise RateLimited(
                        f"too many {rule.counts} (at most {item}): retry in {retry_after_s} s",
                        retry_after_s=retry_after_s,
                    )
        except StorageError as error:
            self.store_failures += 1
            log.warning(
                "the rate limit store failed on %s; letting it through: %s", rule.name, error
            )

    def _strategy_for(self, item: RateLimitItem) -> Strategy:
        return self._exact if item.amount <= EXACT_UP_TO else self._estimated

    def health(self) -> dict[str, Any]:
        return {
            "store": "redis" if self._pool is not None else "memory",
            "refused": dict(self.refused),
            "store_failures": self.store_failures,
        }

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
