"""What a driver does in the app (leave, arrive, deliver, fail), sent to the server.

The driver workflow API does not exist yet; until it does, `ShipmentEventActions` uses the
public endpoints a dispatcher's integration would: `POST /api/v1/routes/{id}/start` (with the
departure time) and `POST /api/v1/shipments/{tn}/events`. A `DriverActions` for the driver
API can replace it without touching the runner.
"""

from typing import Protocol

import httpx

from lastmile.sim.driver import Action
from lastmile.sim.wire import action_request


class DriverActions(Protocol):
    async def perform(self, client: httpx.AsyncClient, action: Action) -> httpx.Response:
        """Send one action; the response tells whether the server took it."""
        ...


class ShipmentEventActions:
    """Driver actions through the routes and shipment-events APIs, with an API key."""

    def __init__(self, api_key: str) -> None:
        self.headers = {"Authorization": f"Bearer {api_key}"}

    async def perform(self, client: httpx.AsyncClient, action: Action) -> httpx.Response:
        request = action_request(action)
        return await client.post(request.path, json=request.json, headers=self.headers)
