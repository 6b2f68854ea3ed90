"""A driver out on a route in progress, built through the API plus the route rows themselves."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.alerts.tracks import Point, at_m
from tests.common import OrgHandle, create_shipment, make_driver

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop
from lastmile.fleet.models import Vehicle
from lastmile.routing import polyline

HUB_ZONE = "Europe/Helsinki"  # hub_body's time zone: routes are dated in it


@dataclass(frozen=True)
class OutOnRoute:
    driver_id: str
    device_id: str
    route_id: uuid.UUID
    shipments: list[dict[str, Any]]


def out_on_route(
    client: TestClient,
    db: Database,
    org: OrgHandle,
    *,
    stops_east_m: tuple[float, ...] = (1500, 2500),
    day: date | None = None,
) -> OutOnRoute:
    """A hub at the origin, a route due east along y=0 with stops at the given distances, their
    windows open now (whatever the day the tests run)."""
    hub_lat, hub_lon = at_m(0, 0)
    hub = client.post("/api/v1/hubs", json=hub_body(lat=hub_lat, lon=hub_lon), headers=org.headers)
    assert hub.status_code == 201, hub.text
    device_id = f"phone-{uuid.uuid4().hex[:8]}"
    driver = make_driver(client, org, device_id)
    shipments = []
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=3)).isoformat(),
    }
    for east in stops_east_m:
        lat, lon = at_m(east, 0)
        shipments.append(
            create_shipment(
                client,
                org,
                address={"text": f"{east:.0f} m east", "lat": lat, "lon": lon},
                parcel_count=2,
                window=window,
            )
        )
    with db.session() as session:
        vehicle = Vehicle(
            org_id=org.org_id, plate=f"ABC-{uuid.uuid4().hex[:3]}", capacity_parcels=50
        )
        session.add(vehicle)
        session.flush()
        route = Route(
            org_id=org.org_id,
            hub_id=uuid.UUID(hub.json()["id"]),
            date=day or now.astimezone(ZoneInfo(HUB_ZONE)).date(),
            driver_id=uuid.UUID(driver["id"]),
            vehicle_id=vehicle.id,
            status=RouteStatus.IN_PROGRESS,
            day_start=now - timedelta(hours=3),
            planned_start=now - timedelta(hours=3),
            planned_end=now + timedelta(hours=3),
            distance_m=2 * max(stops_east_m),
            duration_s=3600,
            polyline6=polyline.encode([at_m(0, 0), at_m(max(stops_east_m) + 500, 0)]),
            started_at=now - timedelta(hours=3),
        )
        session.add(route)
        session.flush()
        for sequence, shipment in enumerate(shipments):
            session.add(
                RouteStop(
                    org_id=org.org_id,
                    route_id=route.id,
                    shipment_id=uuid.UUID(shipment["id"]),
                    sequence=sequence,
                    planned_arrival=now,
                    planned_departure=now,
                )
            )
        session.commit()
        route_id = route.id
    start = client.post(
        f"/api/v1/drivers/{driver['id']}/shifts/start", json={}, headers=org.headers
    )
    assert start.status_code == 201, start.text
    return OutOnRoute(driver["id"], device_id, route_id, shipments)


def post_track(client: TestClient, org: OrgHandle, device_id: str, points: list[Point]) -> None:
    for first in range(0, len(points), 50):
        batch = [
            {"at": p.at.isoformat(), "lat": p.lat, "lon": p.lon, "accuracy_m": 8.0}
            for p in points[first : first + 50]
        ]
        response = client.post(
            "/api/v1/fixes", json={"device_id": device_id, "fixes": batch}, headers=org.headers
        )
        assert response.status_code == 200, response.text
