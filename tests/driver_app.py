"""Builders for driver-app tests: a driver with a PIN, a vehicle, a route of stops, actions."""

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from PIL import Image
from sqlalchemy import select
from testkit.bodies import hub_body, shipment_body
from tests.common import OrgHandle

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus

PIN = "4821"
HUB = (60.1719, 24.9414)
STOPS = [(60.1699, 24.9384), (60.1650, 24.9300), (60.1750, 24.9500)]
BESIDE = [(60.1705, 24.9390), (60.1690, 24.9370)]


@dataclass
class DriverDay:
    driver_id: str
    phone: str
    vehicle_id: str
    route_id: str
    stop_ids: list[str]
    tracking_numbers: list[str]
    shipment_ids: list[str]
    token: str = ""
    clock: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(hours=2))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def action(self, **fields: Any) -> dict[str, Any]:
        """A fresh action: new id, the phone's clock a minute later, a position."""
        self.clock += timedelta(minutes=1)
        body: dict[str, Any] = {
            "action_id": str(uuid.uuid4()),
            "at": self.clock.isoformat(),
            "position": {"lat": STOPS[0][0], "lon": STOPS[0][1], "accuracy_m": 6.0},
        }
        body.update(fields)
        return body


def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def make_driver_day(
    client: httpx.Client,
    db: Database,
    org: OrgHandle,
    *,
    phone: str = "+358401112223",
    cod_on: int | None = 1,
    plate: str = "DRV-1",
    places: Sequence[tuple[float, float]] = STOPS,
    texts: Sequence[str] | None = None,
) -> DriverDay:
    """A driver with a PIN and a planned route of three stops today at its hub (the second one
    COD); the hub is open every day all day, so the day works whenever the tests run.
    `texts`: the stops' address texts (else `Street <index>`)."""
    hub = client.post("/api/v1/hubs", json=hub_body(code=plate), headers=org.headers)
    assert hub.status_code == 201, hub.text
    driver = client.post(
        "/api/v1/drivers", json={"name": f"Driver {plate}", "phone": phone}, headers=org.headers
    )
    assert driver.status_code == 201, driver.text
    vehicle = client.post("/api/v1/vehicles", json={"plate": plate}, headers=org.headers)
    assert vehicle.status_code == 201, vehicle.text
    pin = client.put(
        f"/api/v1/drivers/{driver.json()['id']}/pin", json={"pin": PIN}, headers=org.headers
    )
    assert pin.status_code == 204, pin.text
    today = datetime.now(ZoneInfo(hub.json()["timezone"])).date()  # the hub's today
    shipments = []
    for index, (lat, lon) in enumerate(places):
        extra: dict[str, Any] = {}
        if index == cod_on:
            extra["cod"] = {"amount": "49.90", "currency": "EUR"}
        body = shipment_body(
            hub_id=hub.json()["id"],
            delivery_date=today.isoformat(),
            window=None,
            address={"text": texts[index] if texts else f"Street {index}", "lat": lat, "lon": lon},
            instructions=f"Door code {index}",
            **extra,
        )
        created = client.post("/api/v1/shipments", json=body, headers=org.headers)
        assert created.status_code == 201, created.text
        shipments.append(created.json())
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    with db.session() as session:
        route = Route(
            org_id=org.org_id,
            hub_id=uuid.UUID(hub.json()["id"]),
            date=today,
            driver_id=uuid.UUID(driver.json()["id"]),
            vehicle_id=uuid.UUID(vehicle.json()["id"]),
            status=RouteStatus.PLANNED,
            day_start=start,
            planned_start=start,
            planned_end=start + timedelta(hours=4),
            distance_m=9000.0,
            duration_s=4 * 3600.0,
            polyline6="",
        )
        session.add(route)
        session.flush()
        stops = []
        for index, shipment in enumerate(shipments):
            stop = RouteStop(
                org_id=org.org_id,
                route_id=route.id,
                shipment_id=uuid.UUID(shipment["id"]),
                sequence=index,
                planned_arrival=start + timedelta(hours=1 + index),
                planned_departure=start + timedelta(hours=1 + index, minutes=5),
                status=StopStatus.PENDING,
            )
            session.add(stop)
            stops.append(stop)
        session.flush()
        route_id, stop_ids = str(route.id), [str(s.id) for s in stops]
        session.commit()
    return DriverDay(
        driver_id=driver.json()["id"],
        phone=phone,
        vehicle_id=vehicle.json()["id"],
        route_id=route_id,
        stop_ids=stop_ids,
        tracking_numbers=[s["tracking_number"] for s in shipments],
        shipment_ids=[s["id"] for s in shipments],
    )


def sign_in(client: httpx.Client, day: DriverDay, pin: str = PIN) -> DriverDay:
    response = client.post("/api/v1/driver/session", json={"phone": day.phone, "pin": pin})
    assert response.status_code == 201, response.text
    day.token = response.json()["token"]
    return day


def set_rules(client: httpx.Client, org: OrgHandle, **rules: Any) -> None:
    response = client.put(
        "/api/v1/driver-app/settings", json={"proof_rules": rules}, headers=org.headers
    )
    assert response.status_code == 200, response.text


def start_the_day(client: httpx.Client, day: DriverDay) -> DriverDay:
    """The signed-in driver starts a shift with their vehicle and leaves on the route."""
    shift = client.post(
        "/api/v1/driver/shift/start",
        json=day.action(vehicle_id=day.vehicle_id),
        headers=day.headers,
    )
    assert shift.status_code == 201, shift.text
    route = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert route.status_code == 200, route.text
    return day


def add_stop(
    client: httpx.Client, org: OrgHandle, day: DriverDay, *, text: str = "Street added"
) -> str:
    """A dispatcher adds a new order to the driver's route (`POST /routes/{id}/insert`):
    its tracking number."""
    route = client.get(f"/api/v1/routes/{day.route_id}", headers=org.headers)
    assert route.status_code == 200, route.text
    body = shipment_body(
        hub_id=route.json()["hub_id"],
        delivery_date=route.json()["date"],
        window=None,
        address={"text": text, "lat": 60.1680, "lon": 24.9340},
    )
    created = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    number: str = created.json()["tracking_number"]
    inserted = client.post(
        f"/api/v1/routes/{day.route_id}/insert", json={"shipment": number}, headers=org.headers
    )
    assert inserted.status_code == 200, inserted.text
    return number


def planned_route_beside(
    client: httpx.Client,
    db: Database,
    org: OrgHandle,
    route_id: str,
    *,
    name: str,
    phone: str,
) -> tuple[str, str]:
    """Another driver (PIN `PIN`) with a planned route of two stops at the same hub and day
    as `route_id`, starting in half an hour: its id and the vehicle's."""
    hub_route = client.get(f"/api/v1/routes/{route_id}", headers=org.headers).json()
    driver = client.post(
        "/api/v1/drivers", json={"name": name, "phone": phone}, headers=org.headers
    ).json()
    assert client.put(
        f"/api/v1/drivers/{driver['id']}/pin", json={"pin": PIN}, headers=org.headers
    ).is_success
    vehicle = client.post(
        "/api/v1/vehicles", json={"plate": f"{name.upper()}-1"}, headers=org.headers
    )
    assert vehicle.status_code == 201, vehicle.text
    shipments = []
    for index, (lat, lon) in enumerate(BESIDE):
        body = shipment_body(
            hub_id=hub_route["hub_id"],
            delivery_date=hub_route["date"],
            window=None,
            address={"text": f"{name} street {index}", "lat": lat, "lon": lon},
        )
        created = client.post("/api/v1/shipments", json=body, headers=org.headers)
        assert created.status_code == 201, created.text
        shipments.append(created.json())
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    with db.session() as session:  # read apart: a read turned write would wait on the server
        day_start = session.scalars(
            select(Route.day_start).where(Route.id == uuid.UUID(route_id))
        ).one()
    with db.session() as session:
        route = Route(
            org_id=org.org_id,
            hub_id=uuid.UUID(hub_route["hub_id"]),
            date=datetime.fromisoformat(hub_route["date"]).date(),
            driver_id=uuid.UUID(driver["id"]),
            vehicle_id=uuid.UUID(vehicle.json()["id"]),
            status=RouteStatus.PLANNED,
            day_start=day_start,
            planned_start=start,
            planned_end=start + timedelta(hours=3),
            distance_m=3000.0,
            duration_s=3 * 3600.0,
            polyline6="",
        )
        session.add(route)
        session.flush()
        for index, shipment in enumerate(shipments):
            session.add(
                RouteStop(
                    org_id=org.org_id,
                    route_id=route.id,
                    shipment_id=uuid.UUID(shipment["id"]),
                    sequence=index,
                    planned_arrival=start + timedelta(minutes=20 + 60 * index),
                    planned_departure=start + timedelta(minutes=25 + 60 * index),
                    status=StopStatus.PENDING,
                )
            )
        new_id = str(route.id)
        session.commit()
    return new_id, vehicle.json()["id"]
