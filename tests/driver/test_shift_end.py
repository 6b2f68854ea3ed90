"""A day that ends unfinished: the driver confirms, the parcels go back to the hub, the
dispatcher is told, the customer sees it; a shift never ended is closed at the end of the day."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.common import OrgHandle
from tests.driver_app import HUB, DriverDay, make_driver_day, sign_in, start_the_day

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStop
from lastmile.driver.scheduled import close_ended_days
from lastmile.fleet.models import Shift


def _out_on_route(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    day = start_the_day(client, sign_in(client, make_driver_day(client, db, org, cod_on=None)))
    stop = day.stop_ids[0]
    delivered = client.post(
        f"/api/v1/driver/stops/{stop}/deliver", json=day.action(), headers=day.headers
    )
    assert delivered.status_code == 200, delivered.text
    return day


def _tracking_page(client: TestClient, org: OrgHandle, tracking_number: str) -> str:
    shipment = client.get(f"/api/v1/shipments/{tracking_number}", headers=org.headers).json()
    page = client.get(urlparse(shipment["tracking_url"]).path)
    assert page.status_code == 200
    return page.text


def _headline(page: str) -> str:
    """The status the page leads with (its history lists the earlier ones too)."""
    found = re.search(r'<h1 id="status"[^>]*>([^<]*)</h1>', page)
    assert found is not None
    return found.group(1).strip()


def _unfinished_alerts(client: TestClient, org: OrgHandle) -> list[dict[str, object]]:
    found = client.get("/api/v1/alerts", headers=org.headers).json()
    items = found["items"] if isinstance(found, dict) else found
    return [a for a in items if a["kind"] == "route_unfinished"]


def test_ending_a_shift_with_open_stops_needs_the_driver_to_confirm(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _out_on_route(client, db, org)
    refused = client.post("/api/v1/driver/shift/end", json=day.action(), headers=day.headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("open-stops")
    assert "2 stops are still open" in refused.json()["detail"]
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert route["status"] == "in_progress"
    assert client.get("/api/v1/driver/shift", headers=day.headers).json() is not None
    assert _unfinished_alerts(client, org) == []


def test_handing_back_open_stops_closes_the_route_alerts_and_tells_the_customer(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _out_on_route(client, db, org)
    assert _headline(_tracking_page(client, org, day.tracking_numbers[1])) == "Out for delivery"
    # Back at the hub, 1.5 km from the open stops, as the driver ends the shift.
    fix = {"at": (day.clock + timedelta(minutes=1)).isoformat(), "lat": HUB[0], "lon": HUB[1]}
    at_hub = {"device_id": "app-1", "fixes": [{**fix, "accuracy_m": 5.0}]}
    assert client.post("/api/v1/driver/fixes", json=at_hub, headers=day.headers).is_success
    ended = client.post(
        "/api/v1/driver/shift/end",
        json=day.action(hand_back_open_stops=True),
        headers=day.headers,
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_at"] is not None

    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert route["status"] == "completed"
    assert [s["status"] for s in route["stops"]] == ["completed", "failed", "failed"]
    assert route["progress"] == {"total": 3, "delivered": 1, "failed": 2, "remaining": 0}
    for number in day.tracking_numbers[1:]:
        shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
        assert shipment["status"] == "returned_to_hub"
        assert shipment["driver_id"] is None
        assert _headline(_tracking_page(client, org, number)) == "Returned to the hub"
    [alert] = client.get("/api/v1/alerts", headers=org.headers).json()
    assert alert["kind"] == "route_unfinished"  # not "delivered while elsewhere" per stop
    assert alert["status"] == "open"
    assert alert["route_id"] == day.route_id
    assert "2 stops" in alert["title"]
    board = client.get("/api/v1/control-tower/board", headers=org.headers).json()
    assert board["kpis"]["remaining"] == 0


def test_the_organisation_may_send_handed_back_parcels_to_the_next_day(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _out_on_route(client, db, org)
    settings = client.get("/api/v1/driver-app/settings", headers=org.headers).json()
    settings["open_stops_at_shift_end"] = "next_day"
    saved = client.put("/api/v1/driver-app/settings", json=settings, headers=org.headers)
    assert saved.status_code == 200, saved.text
    before = client.get(f"/api/v1/shipments/{day.tracking_numbers[2]}", headers=org.headers)
    ended = client.post(
        "/api/v1/driver/shift/end",
        json=day.action(hand_back_open_stops=True),
        headers=day.headers,
    )
    assert ended.status_code == 200, ended.text
    after = client.get(f"/api/v1/shipments/{day.tracking_numbers[2]}", headers=org.headers)
    was = datetime.fromisoformat(before.json()["delivery_date"])
    assert datetime.fromisoformat(after.json()["delivery_date"]) == was + timedelta(days=1)


def test_a_shift_never_ended_is_closed_at_the_end_of_its_day(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _out_on_route(client, db, org)
    route_id = uuid.UUID(day.route_id)
    now = datetime.now(UTC)
    with db.session() as session:
        assert close_ended_days(session, now=now) == []
        yesterday = session.get_one(Route, route_id).date - timedelta(days=1)  # at the hub
        session.execute(update(Route).where(Route.id == route_id).values(date=yesterday))
        closed = close_ended_days(session, now=now)
        session.commit()
    assert [c.route.id for c in closed] == [route_id]
    assert len(closed[0].handed_back) == 2
    [alert] = _unfinished_alerts(client, org)
    assert "never ended" in alert["title"]
    with db.session() as session:
        stops = session.scalars(
            select(RouteStop.status)
            .where(RouteStop.route_id == route_id)
            .order_by(RouteStop.sequence)
        )
        assert list(stops) == ["completed", "failed", "failed"]
        assert session.get(Route, route_id).status == "completed"
        shift = session.scalar(select(Shift).where(Shift.driver_id == uuid.UUID(day.driver_id)))
        assert shift is not None
        assert shift.ended_at is not None
        assert shift.ended_at <= now


def test_a_dispatcher_ending_the_shift_closes_the_route_as_the_app_would(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _out_on_route(client, db, org)
    end = f"/api/v1/drivers/{day.driver_id}/shifts/end"
    refused = client.post(end, json={}, headers=org.headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("open-stops")
    assert client.get("/api/v1/driver/route", headers=day.headers).json()["status"] == (
        "in_progress"
    )

    ended = client.post(end, json={"hand_back_open_stops": True}, headers=org.headers)
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_at"] is not None
    with db.session() as session:
        driver_id = uuid.UUID(day.driver_id)
        route = session.scalars(select(Route).where(Route.driver_id == driver_id)).one()
        assert route.status == "completed"
    for tracking_number in day.tracking_numbers[1:]:
        shipment = client.get(f"/api/v1/shipments/{tracking_number}", headers=org.headers)
        assert shipment.json()["status"] == "returned_to_hub"
    assert len(_unfinished_alerts(client, org)) == 1
