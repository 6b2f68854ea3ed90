"""Route changes as bus events (a plan committed, a route started, a stop reordered, moved,
added, taken off or closed, a route closed at a shift's end), heard by every server process's
live driver contexts (`dispatch.driver_context`), which its ETA and alerts read."""

import uuid
from collections.abc import Iterable
from functools import partial

from lastmile.bus.base import Bus, routes_channel
from lastmile.bus.from_thread import publish_from_thread
from lastmile.dispatch.models import Route


async def publish_route_changes(bus: Bus, driver_ids: Iterable[uuid.UUID]) -> None:
    """One `route_changed` message per driver, after the change committed."""
    for driver_id in dict.fromkeys(driver_ids):
        await bus.publish(routes_channel(), {"type": "route_changed", "driver_id": str(driver_id)})


def announce_route_changes(bus: Bus, *routes: Route) -> None:
    """From a synchronous view, once committed. A lost message costs a quicker refresh only:
    the followers re-read routes periodically anyway."""
    drivers = [r.driver_id for r in routes]
    publish_from_thread(
        partial(publish_route_changes, bus, drivers), what=f"a change of {len(routes)} routes"
    )
