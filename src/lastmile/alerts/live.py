"""Alerts pushed to the Control Tower on the organisation's fleet channel."""

import uuid
from collections.abc import Iterable
from typing import Any

from lastmile.alerts.models import Alert
from lastmile.alerts.schemas import AlertOut
from lastmile.bus.base import Bus, fleet_channel


def alert_message(alert: Alert) -> dict[str, Any]:
    return {"type": "alert", **AlertOut.of(alert).model_dump(mode="json")}


async def publish_alerts(
    bus: Bus, *, org_id: uuid.UUID, messages: Iterable[dict[str, Any]]
) -> None:
    """Publish messages built (with `alert_message`) after the transaction committed."""
    for message in messages:
        await bus.publish(fleet_channel(org_id), message)
