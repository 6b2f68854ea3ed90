"""Route changes as bus events (a plan committed, a route started, a stop reordered, moved,
added, taken off or closed, a route closed at a shift's end), heard by every server process's
live driver contexts (`dispatch.driver_context`), which its ETA and alerts read, and by the
driver's own app on its live stream, which then reads its route again."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import partial

from lastmile.bus.base import Bus, driver_app_channel, routes_channel
from lastmile.bus.from_thread import publish_from_thread
from lastmile.dispatch.models import Route


async def publish_route_changes(
    bus: Bus, *, org_id: uuid.UUID, driver_ids: Iterable[uuid.UUID | None]
) -> None:
    """One `route_changed` message per driver of `org_id`, after the change committed; a
    route without a driver has no one to tell."""
    for driver_id in dict.fromkeys(d for d in driver_ids if d is not None):
        channels = (routes_channel(), driver_app_channel(org_id, driver_id))
        await bus.publish_to(channels, {"type": "route_changed", "driver_id": str(driver_id)})


async def _publish_by_org(bus: Bus, drivers: dict[uuid.UUID, list[uuid.UUID | None]]) -> None:
    for org_id, driver_ids in drivers.items():
        await publish_route_changes(bus, org_id=org_id, driver_ids=driver_ids)


def announce_route_changes(bus: Bus, *routes: Route) -> None:
    """From a synchronous view, once committed. A lost message costs a quicker refresh only:
    the followers re-read routes periodically anyway."""
    drivers: dict[uuid.UUID, list[uuid.UUID | None]] = defaultdict(list)
    for route in routes:
        drivers[route.org_id].append(route.driver_id)
    publish_from_thread(
        partial(_publish_by_org, bus, dict(drivers)), what=f"a change of {len(routes)} routes"
    )
