"""The live copies of a customer-thread message, published once it is committed: to the
tracking page (the shipment's channel), the driver app and the dispatchers (chat channels)."""

import uuid
from typing import Any

from lastmile.bus.base import Bus, shipment_channel
from lastmile.chat.service import driver_channel, org_channel
from lastmile.contact.models import CustomerMessage, Party
from lastmile.contact.service import author_label

KIND = "customer_message"


def payload(message: CustomerMessage) -> dict[str, Any]:
    """What the bus carries: the party and the driver's first name, never a contact detail."""
    return {
        "type": KIND,
        "id": str(message.id),
        "shipment_id": str(message.shipment_id),
        "party": message.party.value,
        "first_name": message.first_name,
        "body": message.body,
        "at": message.at.isoformat(),
        "recorded_at": message.recorded_at.isoformat(),
    }


def seen_by(data: dict[str, Any], viewer: Party) -> dict[str, Any]:
    """A published message as `viewer` reads it (the API's message shape)."""
    party = Party(str(data["party"]))
    return {
        "id": data["id"],
        "shipment_id": data["shipment_id"],
        "party": party.value,
        "mine": party is viewer,
        "author": author_label(party, str(data.get("first_name") or ""), viewer),
        "body": data["body"],
        "at": data["at"],
        "recorded_at": data["recorded_at"],
    }


async def publish(
    bus: Bus, *, org_id: uuid.UUID, driver_id: uuid.UUID | None, data: dict[str, Any]
) -> None:
    await bus.publish(shipment_channel(data["shipment_id"]), data)
    staff = {**seen_by(data, Party.DISPATCHER), "type": KIND, "driver_id": str(driver_id or "")}
    await bus.publish(org_channel(org_id), staff)
    if driver_id is not None:
        mine = {**seen_by(data, Party.DRIVER), "type": KIND}
        await bus.publish(driver_channel(org_id, driver_id), mine)
