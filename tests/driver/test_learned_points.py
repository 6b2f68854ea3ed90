"""A repeat address goes where the drivers actually delivered, not where its text geocodes."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.bodies import hub_body, shipment_body
from testkit.osm import write_tiny_extract
from tests.common import OrgHandle
from tests.door_track import door_visit
from tests.driver_app import STOPS, make_driver_day, sign_in

from lastmile.addresses.extract import Extract, read_extract
from lastmile.addresses.index import store
from lastmile.addresses.models import LearnedPoint
from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.geo import from_local_m, haversine_m

TEXT = "Mäkelänkatu 12 B, 00510 Helsinki"


@pytest.fixture(scope="module")
def tiny_extract(tmp_path_factory: pytest.TempPathFactory) -> Extract:
    return read_extract(write_tiny_extract(tmp_path_factory.mktemp("osm") / "tiny.osm.pbf"))


@pytest.fixture
def indexed(session: Session, tiny_extract: Extract) -> None:
    store(session=session, extract=tiny_extract, map_name="tiny", source="tiny.osm.pbf")


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def _create(client: TestClient, org: OrgHandle) -> dict[str, Any]:
    body = shipment_body(address={"text": TEXT}, window=None)
    return _ok(client.post("/api/v1/shipments", json=body, headers=org.headers))


def _deliver_at(
    client: TestClient, db: Database, org: OrgHandle, door: tuple[float, float], n: int
) -> None:
    """One shipment to the address, on a route of its own, delivered with a proof at `door`."""
    shipment = _create(client, org)
    hub = _ok(client.post("/api/v1/hubs", json=hub_body(code=f"H{n}"), headers=org.headers))
    driver = _ok(
        client.post(
            "/api/v1/drivers",
            json={"name": f"Driver {n}", "phone": f"+35840111222{n}"},
            headers=org.headers,
        )
    )
    vehicle = _ok(client.post("/api/v1/vehicles", json={"plate": f"V-{n}"}, headers=org.headers))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    with db.session() as session:
        route = Route(
            org_id=org.org_id,
            hub_id=uuid.UUID(hub["id"]),
            date=start.date(),
            driver_id=uuid.UUID(driver["id"]),
            vehicle_id=uuid.UUID(vehicle["id"]),
            status=RouteStatus.IN_PROGRESS,
            day_start=start,
            planned_start=start,
            planned_end=start + timedelta(hours=4),
            distance_m=1000.0,
            duration_s=3600.0,
            started_at=start,
        )
        session.add(route)
        session.flush()
        session.add(
            RouteStop(
                org_id=org.org_id,
                route_id=route.id,
                shipment_id=uuid.UUID(shipment["id"]),
                sequence=0,
                planned_arrival=start + timedelta(hours=1),
                planned_departure=start + timedelta(hours=1, minutes=5),
                status=StopStatus.PENDING,
            )
        )
        session.commit()
    path = f"/api/v1/shipments/{shipment['tracking_number']}/events"
    _ok(client.post(path, json={"status": "out_for_delivery"}, headers=org.headers))
    location = {"lat": door[0], "lon": door[1]}
    _ok(client.post(path, json={"status": "delivered", "location": location}, headers=org.headers))


@pytest.mark.usefixtures("indexed")
def test_two_deliveries_at_the_door_move_the_third_shipment_there(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    first = _create(client, org)["address"]
    geocoded = (first["lat"], first["lon"])
    assert first["quality"]["reasons"] == []
    door = from_local_m(0.0, 80.0, origin_lat=geocoded[0], origin_lon=geocoded[1])

    _deliver_at(client, db, org, door, 1)
    second = _create(client, org)["address"]
    assert (second["lat"], second["lon"]) == geocoded  # one delivery is not enough

    _deliver_at(client, db, org, door, 2)
    third = _create(client, org)["address"]
    assert haversine_m(third["lat"], third["lon"], *door) < 1
    assert round(haversine_m(third["lat"], third["lon"], *geocoded)) == 80
    assert third["quality"]["score"] == first["quality"]["score"]
    (reason,) = third["quality"]["reasons"]
    assert reason["code"] == "learned_point"
    assert "2 earlier deliveries" in reason["message"]
    assert third["quality"]["learned_from"] == 2
    assert first["quality"]["learned_from"] is None

    pinned = shipment_body(address={"text": TEXT, "lat": geocoded[0], "lon": geocoded[1]})
    kept = _ok(client.post("/api/v1/shipments", json=pinned, headers=org.headers))["address"]
    assert (kept["lat"], kept["lon"]) == geocoded  # a pin given is never moved


def _deliver_in_the_app(
    client: TestClient, db: Database, org: OrgHandle, *, with_track: bool
) -> tuple[float, float]:
    """The first stop of a driver-app day, to `TEXT`, delivered beside the van; with its track
    (two minutes at the door 40 m from the van) or without one. Where the door is."""
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None, texts=[TEXT] * 3))
    _ok(client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers))
    devices = {"device_ids": ["van-7"]}
    _ok(client.patch(f"/api/v1/drivers/{day.driver_id}", json=devices, headers=org.headers))
    van = STOPS[0]
    track, door, pressed = door_visit(van=van, start=day.clock + timedelta(minutes=1))
    if with_track:
        fixes = [
            {"at": p.at.isoformat(), "lat": p.lat, "lon": p.lon, "accuracy_m": p.accuracy_m}
            for p in track
        ]
        _ok(
            client.post(
                "/api/v1/fixes", json={"device_id": "van-7", "fixes": fixes}, headers=org.headers
            )
        )
    delivered = day.action(at=(pressed + timedelta(seconds=1)).isoformat())
    _ok(
        client.post(
            f"/api/v1/driver/stops/{day.stop_ids[0]}/deliver", json=delivered, headers=day.headers
        )
    )
    return door


@pytest.mark.usefixtures("indexed")
def test_one_delivery_confirmed_by_the_track_at_the_door_moves_the_next_shipment_there(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    geocoded = _create(client, org)["address"]
    door = _deliver_in_the_app(client, db, org, with_track=True)

    with db.session() as session:
        point = session.scalars(select(LearnedPoint).where(LearnedPoint.org_id == org.org_id)).one()
    assert (point.count, point.confirmed) == (1, 1)
    assert haversine_m(point.lat, point.lon, *door) < 8
    assert haversine_m(point.lat, point.lon, *STOPS[0]) > 30  # not the van, where it was pressed

    following = _create(client, org)["address"]
    assert haversine_m(following["lat"], following["lon"], point.lat, point.lon) < 0.01
    assert haversine_m(following["lat"], following["lon"], geocoded["lat"], geocoded["lon"]) > 100
    quality = following["quality"]
    assert (quality["learned_from"], quality["learned_confirmed"]) == (1, 1)
    (reason,) = [r for r in quality["reasons"] if r["code"] == "learned_point"]
    assert "confirmed by the driver's track at the door" in reason["message"]


@pytest.mark.usefixtures("indexed")
def test_one_delivery_the_track_does_not_confirm_is_not_enough_yet(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    geocoded = _create(client, org)["address"]
    _deliver_in_the_app(client, db, org, with_track=False)

    with db.session() as session:
        point = session.scalars(select(LearnedPoint).where(LearnedPoint.org_id == org.org_id)).one()
    assert (point.count, point.confirmed) == (1, 0)
    following = _create(client, org)["address"]
    assert (following["lat"], following["lon"]) == (geocoded["lat"], geocoded["lon"])
    assert following["quality"]["learned_from"] is None
