"""The driver list in the Control Tower's board: status, progress, last fix age, battery."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from tests.alerts.tracks import at_m
from tests.alerts.world import out_on_route
from tests.common import OrgHandle, create_shipment, make_driver

from lastmile.api import deps
from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.fleet.models import Vehicle

BOARD = "/api/v1/control-tower/board"


@pytest.fixture
def clock(app: FastAPI) -> Iterator[list[datetime]]:
    """The request clock, set by the test: `clock[0] = ...`."""
    pinned = [datetime.now(UTC)]
    app.dependency_overrides[deps.now] = lambda: pinned[0]
    yield pinned
    app.dependency_overrides.pop(deps.now)


def _fixes(
    client: TestClient, org: OrgHandle, device_id: str, last: datetime, **extra: Any
) -> None:
    batch = [
        {"at": (last - timedelta(seconds=5 * (2 - i))).isoformat(), "accuracy_m": 5.0, **extra}
        | dict(zip(("lat", "lon"), at_m(100 + 50 * i, 0), strict=True))
        for i in range(3)
    ]
    response = client.post(
        "/api/v1/fixes", json={"device_id": device_id, "fixes": batch}, headers=org.headers
    )
    assert response.status_code == 200, response.text


def _listed(client: TestClient, org: OrgHandle, hub: str | None = None) -> list[dict[str, Any]]:
    response = client.get(BOARD + (f"?hub={hub}" if hub else ""), headers=org.headers)
    assert response.status_code == 200, response.text
    roster: list[dict[str, Any]] = response.json()["roster"]
    return roster


def test_the_list_gives_status_progress_fix_age_and_battery(
    client: TestClient, db: Database, org: OrgHandle, clock: list[datetime]
) -> None:
    world = out_on_route(client, db, org)
    last = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    _fixes(client, org, world.device_id, last, speed_mps=10.0, battery_pct=64.4)

    clock[0] = last + timedelta(seconds=12)
    [driver] = _listed(client, org)
    assert driver["id"] == world.driver_id
    assert (driver["status"], driver["last_fix_at"]) == ("driving", last.isoformat())
    assert (driver["battery_pct"], driver["delivered"], driver["stops_total"]) == (64, 0, 2)

    with db.session() as session:
        first = session.scalars(
            select(RouteStop).where(RouteStop.route_id == world.route_id, RouteStop.sequence == 0)
        ).one()
        first.status = StopStatus.COMPLETED
        session.commit()
    clock[0] = last + timedelta(minutes=3)
    [driver] = _listed(client, org)
    assert driver["status"] == "idle"  # the route is under way, the last fix too old to say more
    assert (driver["delivered"], driver["stops_total"]) == (1, 2)


def test_a_driver_at_a_door_is_at_stop_and_one_without_fixes_has_no_age(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    with db.session() as session:
        first = session.scalars(
            select(RouteStop).where(RouteStop.route_id == world.route_id, RouteStop.sequence == 0)
        ).one()
        first.status = StopStatus.ARRIVED
        session.commit()
    [driver] = _listed(client, org)
    assert driver["status"] == "at stop"
    assert (driver["last_fix_at"], driver["battery_pct"]) == (None, None)


def test_only_drivers_out_today_are_listed(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """A driver with no route and no shift is off today; on shift without a route, they are
    listed under all hubs (no hub to place them at), not under the hub of another's route."""
    world = out_on_route(client, db, org)
    make_driver(client, org, "idle-phone", name="Aino Off")
    waiting = make_driver(client, org, "waiting-phone", name="Bea Waiting")
    started = client.post(
        f"/api/v1/drivers/{waiting['id']}/shifts/start", json={}, headers=org.headers
    )
    assert started.status_code == 201, started.text
    everyone = _listed(client, org)
    assert [(d["name"], d["status"]) for d in everyone] == [
        ("Bea Waiting", "on shift"),
        ("Mikko Lahtinen", "idle"),
    ]
    hub = client.get(BOARD, headers=org.headers).json()["hubs"][0]["id"]
    assert [d["id"] for d in _listed(client, org, hub)] == [world.driver_id]


def test_the_list_costs_the_same_queries_for_one_driver_or_many(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """No query per driver (N+1): three more drivers out on routes read no more statements."""

    def statements() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert len(_listed(client, org)) >= 1
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    world = out_on_route(client, db, org)
    _fixes(client, org, world.device_id, datetime.now(UTC), battery_pct=50.0)
    one = statements()
    for n in range(3):
        _another_route(client, db, org, world.route_id, f"more-{n}")
    assert len(_listed(client, org)) == 4
    assert statements() <= one


def _another_route(
    client: TestClient, db: Database, org: OrgHandle, like: uuid.UUID, device_id: str
) -> None:
    """One more driver on shift, with a fix and a one-stop route from the same hub as `like`."""
    driver = make_driver(client, org, device_id, name=f"Driver {device_id}")
    shipment = create_shipment(client, org)
    with db.session() as session:
        model = session.get_one(Route, like)
        vehicle = Vehicle(org_id=org.org_id, plate=device_id[:20], capacity_parcels=50)
        session.add(vehicle)
        session.flush()
        route = Route(
            org_id=org.org_id,
            hub_id=model.hub_id,
            date=model.date,
            driver_id=uuid.UUID(driver["id"]),
            vehicle_id=vehicle.id,
            status=model.status,
            day_start=model.day_start,
            planned_start=model.planned_start,
            planned_end=model.planned_end,
            distance_m=1000.0,
            duration_s=600.0,
            polyline6=model.polyline6,
        )
        session.add(route)
        session.flush()
        session.add(
            RouteStop(
                org_id=org.org_id,
                route_id=route.id,
                shipment_id=uuid.UUID(shipment["id"]),
                sequence=0,
                planned_arrival=model.planned_start,
                planned_departure=model.planned_start,
            )
        )
        session.commit()
    path = f"/api/v1/drivers/{driver['id']}/shifts/start"
    assert client.post(path, json={}, headers=org.headers).status_code == 201
    _fixes(client, org, device_id, datetime.now(UTC), battery_pct=80.0)
