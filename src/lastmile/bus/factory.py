"""Pick the bus from `LASTMILE_BUS_URL`: `memory://` (default) or `redis://host:port/db`."""

from lastmile.bus.base import Bus
from lastmile.bus.memory import MemoryBus
from lastmile.errors import InvalidInput


def open_bus(url: str) -> Bus:
    if url.startswith("memory:"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from lastmile.bus.redis import RedisBus

        return RedisBus(url)
    raise InvalidInput("LASTMILE_BUS_URL", f"is {url!r}: use memory:// or redis://host:6379/0")
