"""A corrected shipment as a bus event (`corrections_channel`), published once committed, so
that the process hearing it re-times the shipment's open stop and its route's ETAs
(`driver.corrections`: `shipments` sits below `dispatch` and `eta` and calls neither)."""

from functools import partial

from lastmile.bus.base import Bus, corrections_channel
from lastmile.bus.from_thread import publish_from_thread
from lastmile.shipments.models import Shipment

CORRECTED = "shipment.corrected"


async def publish_correction(bus: Bus, shipment: Shipment) -> None:
    await bus.publish(
        corrections_channel(),
        {
            "type": CORRECTED,
            "org_id": str(shipment.org_id),
            "shipment_id": str(shipment.id),
            "tracking_number": shipment.tracking_number,
        },
    )


def announce_correction(bus: Bus, shipment: Shipment) -> None:
    """From a synchronous view, once committed. A lost message is made good by the pending
    note the correction committed (`PendingRetime`), re-timed when a server starts."""
    publish_from_thread(
        partial(publish_correction, bus, shipment),
        what=f"the correction of {shipment.tracking_number}",
    )
