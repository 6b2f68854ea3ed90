"""Put the load test's drivers on routes in progress, as a planned and started day leaves them:
shipments through the bulk API, the routes' rows as a committed plan writes them, and each
route started through the API (its shipments go out for delivery, ETAs start)."""

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench._load import Connection
from sqlalchemy.orm import Session

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop
from lastmile.fleet.models import Vehicle
from lastmile.routing import polyline

STOPS_PER_ROUTE = 5
STOP_SPACING_DEG = 0.003
HUB = {
    "code": "LOAD",
    "name": "Load test hub",
    "lat": 60.1719,
    "lon": 24.9414,
    "timezone": "Europe/Helsinki",
}


@dataclass(frozen=True)
class Driver:
    number: int
    driver_id: str

    @property
    def position(self) -> tuple[float, float]:
        """Where the load generator's phone for this driver reports from."""
        return 60.17 + self.number * 1e-5, 24.94


async def create_hub(connection: Connection, headers: dict[str, str]) -> str:
    status, payload = await connection.post_json("/api/v1/hubs", HUB, headers)
    assert status == 201, payload
    hub_id: str = json.loads(payload)["id"]
    return hub_id


async def _shipments(
    connection: Connection, headers: dict[str, str], hub_id: str, drivers: list[Driver]
) -> list[dict[str, str]]:
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=6)).isoformat(),
    }
    rows = [
        {
            "recipient": {"name": f"Recipient {d.number}-{j}"},
            "address": {
                "text": f"Stop {j} of driver {d.number}",
                "lat": d.position[0],
                "lon": d.position[1] + STOP_SPACING_DEG * (j + 1),
            },
            "hub_id": hub_id,
            "window": window,
        }
        for d in drivers
        for j in range(STOPS_PER_ROUTE)
    ]
    created: list[dict[str, str]] = []
    for first in range(0, len(rows), 1000):
        status, payload = await connection.post_json(
            "/api/v1/shipments/bulk", {"shipments": rows[first : first + 1000]}, headers
        )
        answer = json.loads(payload)
        assert status == 200, payload[:500]
        assert not answer["errors"], answer["errors"][:3]
        created += answer["shipments"]
    return created


def _write_routes(
    database: Database,
    org_id: uuid.UUID,
    hub_id: uuid.UUID,
    drivers: list[Driver],
    shipments: list[dict[str, str]],
) -> list[uuid.UUID]:
    now = datetime.now(UTC)
    route_ids = []
    with Session(database.engine) as session:
        for k, driver in enumerate(drivers):
            stops = shipments[k * STOPS_PER_ROUTE : (k + 1) * STOPS_PER_ROUTE]
            vehicle = Vehicle(org_id=org_id, plate=f"LOAD-{driver.number}", capacity_parcels=50)
            session.add(vehicle)
            session.flush()
            points = [(HUB["lat"], HUB["lon"]), driver.position]
            points += [
                (driver.position[0], driver.position[1] + STOP_SPACING_DEG * (j + 1))
                for j in range(len(stops))
            ]
            route = Route(
                org_id=org_id,
                hub_id=hub_id,
                date=now.date(),
                driver_id=uuid.UUID(driver.driver_id),
                vehicle_id=vehicle.id,
                status=RouteStatus.PLANNED,
                day_start=now - timedelta(minutes=30),
                planned_start=now - timedelta(minutes=30),
                planned_end=now + timedelta(hours=2),
                distance_m=2_000.0,
                duration_s=9_000.0,
                polyline6=polyline.encode(points),
            )
            session.add(route)
            session.flush()
            for j, shipment in enumerate(stops):
                arrival = now + timedelta(minutes=15 * (j + 1))
                session.add(
                    RouteStop(
                        org_id=org_id,
                        route_id=route.id,
                        shipment_id=uuid.UUID(shipment["id"]),
                        sequence=j,
                        planned_arrival=arrival,
                        planned_departure=arrival + timedelta(minutes=3),
                    )
                )
            route_ids.append(route.id)
        session.commit()
    return route_ids


async def put_on_routes(
    port: int,
    headers: dict[str, str],
    database: Database,
    org_id: uuid.UUID,
    hub_id: str,
    drivers: list[Driver],
) -> list[str]:
    """Start a route of `STOPS_PER_ROUTE` stops for each driver; the tracking tokens of each
    route's first stop, in the drivers' order."""
    connection = await Connection("127.0.0.1", port).open()
    try:
        shipments = await _shipments(connection, headers, hub_id, drivers)
    finally:
        await connection.close()
    route_ids = await asyncio.to_thread(
        _write_routes, database, org_id, uuid.UUID(hub_id), drivers, shipments
    )

    async def start(chunk: list[uuid.UUID]) -> None:
        starter = await Connection("127.0.0.1", port).open()
        try:
            for route_id in chunk:
                status, payload = await starter.post_json(
                    f"/api/v1/routes/{route_id}/start", {}, headers
                )
                assert status == 200, payload[:500]
        finally:
            await starter.close()

    await asyncio.gather(*(start(route_ids[i::8]) for i in range(8)))
    first_stops = shipments[::STOPS_PER_ROUTE]
    return [s["tracking_url"].rsplit("/", 1)[1] for s in first_stops]
