"""Shared by the ETA tests: a route in progress built through the API, and fixes to post."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment, hub_body, make_driver

from lastmile.eta.model import LatLon

DAY = "2026-11-24"
HUB = (60.1719, 24.9414)
PLACES = [(60.1760, 24.9450), (60.1800, 24.9500), (60.1850, 24.9550)]


def route_in_progress(
    client: TestClient,
    org: OrgHandle,
    device: str,
    *,
    hub: LatLon = HUB,
    places: Sequence[LatLon] = PLACES,
) -> dict[str, Any]:
    """A hub, shipments at `places`, a driver and a van, planned, committed and started."""
    hub = client.post(
        "/api/v1/hubs",
        json=hub_body(lat=hub[0], lon=hub[1], opening_hours={"tue": [["08:00", "18:00"]]}),
        headers=org.headers,
    )
    assert hub.status_code == 201, hub.text
    for lat, lon in places:
        create_shipment(
            client,
            org,
            hub_id=hub.json()["id"],
            reference=f"ORD-{uuid.uuid4().hex[:8]}",
            address={"text": "Somewhere", "lat": lat, "lon": lon},
            window={"start": f"{DAY}T08:00:00+02:00", "end": f"{DAY}T18:00:00+02:00"},
            weight_kg=2.0,
            parcel_count=1,
        )
    driver = make_driver(client, org, device, name="Aino Virtanen")["id"]
    van = client.post(
        "/api/v1/vehicles", json={"plate": "ETA-1", "capacity_kg": 100}, headers=org.headers
    )
    assert van.status_code == 201, van.text
    plan = client.post(
        "/api/v1/plans",
        json={
            "hub_id": hub.json()["id"],
            "date": DAY,
            "driver_ids": [driver],
            "vehicle_ids": [van.json()["id"]],
            "time_limit_s": 0.2,
        },
        headers=org.headers,
    )
    assert plan.status_code == 201, plan.text
    committed = client.post(f"/api/v1/plans/{plan.json()['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text
    (route,) = committed.json()["routes"]
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    data: dict[str, Any] = started.json()
    return data


def fix(at: datetime, lat: float = HUB[0], lon: float = HUB[1]) -> dict[str, Any]:
    return {"at": at.isoformat(), "lat": lat, "lon": lon, "accuracy_m": 5, "speed_mps": 8}
