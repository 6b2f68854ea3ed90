"""A route in progress with several customers' stops, built for tracking-page tests."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from testkit.bodies import hub_body, shipment_body
from tests.common import OrgHandle

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet.models import Vehicle
from lastmile.ingest.models import DriverPosition
from lastmile.routing.polyline import encode
from lastmile.shipments.models import Shipment

HUB = (60.1719, 24.9414)
DAY = date(2026, 11, 24)


def stop_location(index: int) -> tuple[float, float]:
    """Stops strung out east of the hub, 0.01° apart."""
    return (60.1750, 24.9500 + 0.01 * index)


def secret_address(index: int) -> str:
    return f"Salakatu {100 + index}, Helsinki"


@dataclass
class RouteScenario:
    route_id: uuid.UUID
    driver_id: uuid.UUID
    hub_id: str
    shipments: list[dict[str, Any]]
    stop_ids: list[uuid.UUID]

    def path(self, index: int) -> str:
        return "/t/" + str(self.shipments[index]["tracking_url"]).rsplit("/t/", 1)[1]


def _line(points: list[tuple[float, float]]) -> str:
    """A road through the points with a midpoint on every leg (as a routed line would have)."""
    dense: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(points):
        dense += [a, ((a[0] + b[0]) / 2 + 0.001, (a[1] + b[1]) / 2)]
    dense.append(points[-1])
    return encode(dense)


def route_in_progress(
    client: httpx.Client,
    db: Database,
    org: OrgHandle,
    *,
    stops: int = 5,
    driver_at: tuple[float, float] | None = (60.1740, 24.9460),
    start: bool = True,
    photo_url: str | None = "https://example.com/mikko.jpg",
) -> RouteScenario:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    body: dict[str, Any] = {"name": "Mikko Lahtinen", "device_ids": [f"dev-{uuid.uuid4()}"]}
    if photo_url:
        body["photo_url"] = photo_url
    driver = client.post("/api/v1/drivers", json=body, headers=org.headers).json()
    driver_id = uuid.UUID(driver["id"])
    shipments = []
    for index in range(stops):
        lat, lon = stop_location(index)
        made = client.post(
            "/api/v1/shipments",
            json=shipment_body(
                reference=f"ORDER-{index}-{uuid.uuid4().hex[:6]}",
                recipient={"name": f"Customer {index}", "phone": "+358401234567"},
                address={"text": secret_address(index), "lat": lat, "lon": lon},
                hub_id=hub["id"],
            ),
            headers=org.headers,
        )
        assert made.status_code == 201, made.text
        shipments.append(made.json())
    now = datetime.now(UTC)
    with db.session() as session:
        vehicle = Vehicle(org_id=org.org_id, plate=f"ABC-{uuid.uuid4().hex[:4]}", skills=[])
        session.add(vehicle)
        session.flush()
        route = Route(
            org_id=org.org_id,
            hub_id=uuid.UUID(hub["id"]),
            date=DAY,
            driver_id=driver_id,
            vehicle_id=vehicle.id,
            status=RouteStatus.IN_PROGRESS if start else RouteStatus.PLANNED,
            day_start=now.replace(hour=0, minute=0, second=0, microsecond=0),
            planned_start=now,
            planned_end=now + timedelta(hours=4),
            distance_m=10_000,
            duration_s=4 * 3600,
            polyline6=_line([HUB, *(stop_location(i) for i in range(stops)), HUB]),
            started_at=now if start else None,
        )
        session.add(route)
        session.flush()
        stop_ids = []
        for index, made in enumerate(shipments):
            shipment = session.get(Shipment, uuid.UUID(made["id"]))
            assert shipment is not None
            shipment.driver_id = driver_id
            stop = RouteStop(
                org_id=org.org_id,
                route_id=route.id,
                shipment_id=shipment.id,
                sequence=index,
                planned_arrival=now + timedelta(minutes=20 * (index + 1)),
                planned_departure=now + timedelta(minutes=20 * (index + 1) + 2),
                status=StopStatus.PENDING,
            )
            session.add(stop)
            session.flush()
            stop_ids.append(stop.id)
        if driver_at is not None:
            session.add(
                DriverPosition(
                    org_id=org.org_id,
                    driver_id=driver_id,
                    device_id="dev",
                    at=now - timedelta(seconds=30),
                    received_at=now,
                    lat=driver_at[0],
                    lon=driver_at[1],
                    heading_deg=90.0,
                )
            )
        session.commit()
        route_id = route.id
    if start:
        for made in shipments:
            response = client.post(
                f"/api/v1/shipments/{made['tracking_number']}/events",
                json={"status": "out_for_delivery"},
                headers=org.headers,
            )
            assert response.status_code == 201, response.text
    return RouteScenario(route_id, driver_id, hub["id"], shipments, stop_ids)


def complete_stops(db: Database, scenario: RouteScenario, count: int) -> None:
    """Mark the first `count` stops done, as the driver app would."""
    with db.session() as session:
        for stop_id in scenario.stop_ids[:count]:
            stop = session.get(RouteStop, stop_id)
            assert stop is not None
            stop.status = StopStatus.COMPLETED
        session.commit()
