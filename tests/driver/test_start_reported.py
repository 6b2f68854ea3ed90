"""A route started with the time the driver actually left (a phone reporting late)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, make_driver

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _committed_route(client: TestClient, org: OrgHandle, day: datetime) -> dict[str, Any]:
    hours = {WEEKDAYS[day.weekday()]: [["00:30", "23:30"]]}
    hub = client.post(
        "/api/v1/hubs", json=hub_body(timezone="UTC", opening_hours=hours), headers=org.headers
    ).json()
    start = day.replace(hour=1, minute=0, second=0, microsecond=0)
    number = create_shipment(
        client,
        org,
        hub_id=hub["id"],
        address={"text": "Somewhere", "lat": 60.1750, "lon": 24.9450},
        window={"start": start.isoformat(), "end": (start + timedelta(hours=20)).isoformat()},
    )["tracking_number"]
    driver = make_driver(client, org)["id"]
    van = client.post("/api/v1/vehicles", json={"plate": "VAN-1"}, headers=org.headers).json()
    plan = client.post(
        "/api/v1/plans",
        json={
            "hub_id": hub["id"],
            "date": day.date().isoformat(),
            "driver_ids": [driver],
            "vehicle_ids": [van["id"]],
            "time_limit_s": 0.2,
        },
        headers=org.headers,
    ).json()
    routes = client.post(f"/api/v1/plans/{plan['id']}/commit", headers=org.headers).json()
    route: dict[str, Any] = routes["routes"][0]
    assert route["stops"][0]["tracking_number"] == number
    return route


def test_a_route_starts_at_the_reported_departure(client: TestClient, org: OrgHandle) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    route = _committed_route(client, org, yesterday)
    left = yesterday.replace(hour=9, minute=12, second=0, microsecond=0)

    response = client.post(
        f"/api/v1/routes/{route['id']}/start", json={"at": left.isoformat()}, headers=org.headers
    )

    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["started_at"]) == left
    number = route["stops"][0]["tracking_number"]
    shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
    assert shipment["status"] == "out_for_delivery"
    (sent,) = [e for e in shipment["timeline"] if e["status"] == "out_for_delivery"]
    assert datetime.fromisoformat(sent["at"]) == left
    delivered = client.post(
        f"/api/v1/shipments/{number}/events",
        json={"status": "delivered", "at": (left + timedelta(minutes=30)).isoformat()},
        headers=org.headers,
    )
    assert delivered.status_code == 201, delivered.text


def test_a_departure_in_the_future_is_refused(client: TestClient, org: OrgHandle) -> None:
    route = _committed_route(client, org, datetime.now(UTC))
    later = datetime.now(UTC) + timedelta(hours=1)

    response = client.post(
        f"/api/v1/routes/{route['id']}/start", json={"at": later.isoformat()}, headers=org.headers
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["at"]
    assert client.get(f"/api/v1/routes/{route['id']}", headers=org.headers).json()["status"] == (
        "planned"
    )
