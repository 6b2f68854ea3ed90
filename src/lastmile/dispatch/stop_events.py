"""A route stop's change (arrived, delivered, failed, cancelled) told on the organisation's
fleet channel, which the Control Tower listens to: it re-reads its board when it hears one,
instead of waiting for its periodic refresh."""

import uuid
from typing import Any

from lastmile.bus.base import Bus, fleet_channel
from lastmile.dispatch.models import RouteStop


def stop_message(stop: RouteStop) -> dict[str, Any]:
    """The change, read inside the transaction (the row may be expired once committed)."""
    return {
        "type": "stop",
        "route_id": str(stop.route_id),
        "stop_id": str(stop.id),
        "status": stop.status.value,
    }


async def publish_stop_change(bus: Bus, *, org_id: uuid.UUID, message: dict[str, Any]) -> None:
    """Publish a `stop_message` after the change committed."""
    await bus.publish(fleet_channel(org_id), message)
