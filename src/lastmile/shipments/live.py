"""Live status updates for tracking pages, published after the event is committed."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from lastmile.bus.base import Bus, shipment_channel
from lastmile.bus.from_thread import publish_from_thread
from lastmile.db import utcnow
from lastmile.shipments.models import Shipment


async def publish_status(bus: Bus, *, shipment_id: uuid.UUID, status: str, at: datetime) -> None:
    await bus.publish(
        shipment_channel(shipment_id), {"type": "status", "status": status, "at": at.isoformat()}
    )


def announce_from_thread(bus: Bus, shipments: Iterable[Shipment]) -> None:
    """From a synchronous view, after its commit: each shipment's current status, live.

    A failed publish costs a live update only; the event itself is committed.
    """
    now = utcnow()
    for shipment in shipments:
        publish_from_thread(
            partial(
                publish_status, bus, shipment_id=shipment.id, status=shipment.status.value, at=now
            ),
            what=f"the status of shipment {shipment.id}",
        )
