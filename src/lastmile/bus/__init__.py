"""Publish/subscribe for live updates: in-process (embedded) or Redis (several processes)."""

from lastmile.bus.base import Bus, Message, Subscription
from lastmile.bus.factory import open_bus
from lastmile.bus.memory import MemoryBus

__all__ = ["Bus", "MemoryBus", "Message", "Subscription", "open_bus"]
