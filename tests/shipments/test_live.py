"""Status changes reach the shipment's live channel (tracking pages) once committed."""

import uuid

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment

from lastmile.bus.base import shipment_channel


def test_a_recorded_event_is_published_on_the_shipment_channel(
    app: FastAPI, client: TestClient, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)

    async def post_and_listen() -> list[dict[str, object]]:
        subscription = await app.state.bus.subscribe(shipment_channel(uuid.UUID(shipment["id"])))
        for status in ("at_hub", "out_for_delivery"):
            response = await anyio.to_thread.run_sync(
                lambda status=status: client.post(
                    f"/api/v1/shipments/{shipment['tracking_number']}/events",
                    json={"status": status},
                    headers=org.headers,
                )
            )
            assert response.status_code == 201, response.text
        messages = [await subscription.get(timeout_s=5) for _ in range(2)]
        await subscription.close()
        return [m.data for m in messages if m is not None]

    published = client.portal.call(post_and_listen)  # type: ignore[union-attr]
    assert [(m["type"], m["status"]) for m in published] == [
        ("status", "at_hub"),
        ("status", "out_for_delivery"),
    ]
