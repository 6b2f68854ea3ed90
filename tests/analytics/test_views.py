"""Driver scorecards and traffic patterns from a worked day."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.alerts.tracks import Track
from tests.alerts.world import out_on_route, post_track
from tests.common import OrgHandle

from lastmile.db import Database
from lastmile.dispatch.models import RouteStop, StopStatus


def _worked_day(client: TestClient, db: Database, org: OrgHandle) -> tuple[str, str]:
    start = datetime.now(UTC) - timedelta(hours=1)
    if (start + timedelta(minutes=40)).date() != start.date():
        start -= timedelta(minutes=45)
    world = out_on_route(client, db, org, day=start.date())
    track = Track(sigma_m=3)
    track.t = start
    track.drive(to=(1500, 0), speed_mps=10).stay(300).drive(to=(1500, 700), speed_mps=10).stay(400)
    post_track(client, org, world.device_id, track.points)
    first = world.shipments[0]
    for status in ("out_for_delivery", "delivered"):
        event = client.post(
            f"/api/v1/shipments/{first['tracking_number']}/events",
            json={"status": status, "at": (start + timedelta(minutes=5)).isoformat()},
            headers=org.headers,
        )
        assert event.status_code == 201, event.text
    with db.session() as session:
        stop = session.query(RouteStop).filter_by(shipment_id=uuid.UUID(first["id"])).one()
        stop.status = StopStatus.COMPLETED
        session.commit()
    return world.driver_id, start.date().isoformat()


def test_a_driver_s_day_in_figures(client: TestClient, db: Database, org: OrgHandle) -> None:
    driver_id, day = _worked_day(client, db, org)
    [card] = client.get(f"/api/v1/analytics/drivers?date={day}&tz=UTC", headers=org.headers).json()
    assert card["driver_id"] == driver_id
    assert (card["stops_planned"], card["delivered"], card["failed"]) == (2, 1, 0)
    assert card["first_attempt_pct"] == 100.0
    assert card["on_time_pct"] == 100.0
    assert 1.5 <= card["distance_km"] <= 2.6
    assert 250 <= card["service_s"] <= 320
    assert 350 <= card["idle_s"] <= 420
    assert card["stops_per_hour"] is not None


def test_the_scorecards_export_as_csv(client: TestClient, db: Database, org: OrgHandle) -> None:
    driver_id, day = _worked_day(client, db, org)
    formula = '=HYPERLINK("https://evil.example/","Mikko")'
    renamed = client.patch(
        f"/api/v1/drivers/{driver_id}", json={"name": formula}, headers=org.headers
    )
    assert renamed.status_code == 200, renamed.text
    response = client.get(f"/api/v1/analytics/drivers.csv?date={day}&tz=UTC", headers=org.headers)
    assert response.headers["content-type"].startswith("text/csv")
    assert f"drivers-{day}.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["driver_id"] for row in rows] == [driver_id]
    assert rows[0]["delivered"] == "1"
    assert rows[0]["driver_name"] == "'" + formula  # shown as text, never run (CSV injection)


def test_traffic_speeds_by_cell_and_hour(client: TestClient, db: Database, org: OrgHandle) -> None:
    world = out_on_route(client, db, org)
    start = datetime.now(UTC) - timedelta(minutes=30)
    fixes = [
        {
            "at": (start + timedelta(seconds=5 * i)).isoformat(),
            "lat": 60.17,
            "lon": 24.93 + 0.0008 * i,
            "speed_mps": 9.0,
        }
        for i in range(40)
    ]
    sent = client.post(
        "/api/v1/fixes", json={"device_id": world.device_id, "fixes": fixes}, headers=org.headers
    )
    assert sent.status_code == 200
    cells = client.get("/api/v1/analytics/traffic?days=1&tz=UTC", headers=org.headers).json()
    assert cells
    assert all(30 <= c["median_kmh"] <= 35 for c in cells)
    hour = start.weekday() * 24 + start.hour
    assert {c["hour_of_week"] for c in cells} <= {hour, (hour + 1) % 168}
    assert sum(c["fixes"] for c in cells) <= 40
    assert len(cells[0]["boundary"]) == 6


def test_analytics_are_per_organisation(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    _, day = _worked_day(client, db, org)
    assert (
        client.get(f"/api/v1/analytics/drivers?date={day}", headers=other_org.headers).json() == []
    )
    assert client.get("/api/v1/analytics/traffic", headers=other_org.headers).json() == []
