""" "Address wrong: the door is here" from the driver app: the pin moves to the phone, the
point is learned for the address, the dispatcher is alerted naming driver and order, once."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle
from tests.driver_app import HUB, STOPS, DriverDay, make_driver_day, sign_in

from lastmile.addresses.learned import address_key
from lastmile.addresses.models import LearnedPoint
from lastmile.audit.models import AuditEntry
from lastmile.db import Database

TEXT = "Mäkelänkatu 12 B, Helsinki"
DOOR = (STOPS[0][0] + 0.0004, STOPS[0][1] + 0.0006)  # about 55 m from the pin


def _arrived(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    day = sign_in(client, make_driver_day(client, db, org))
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert started.status_code == 200, started.text
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/arrive"
    assert client.post(url, json=day.action(), headers=day.headers).status_code == 200
    renamed = client.patch(
        f"/api/v1/shipments/{day.tracking_numbers[0]}",
        json={"address": {"text": TEXT, "lat": STOPS[0][0], "lon": STOPS[0][1]}},
        headers=org.headers,
    )
    assert renamed.status_code == 200, renamed.text
    return day


def test_the_door_is_where_the_driver_stands(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _arrived(client, db, org)
    body = day.action(
        position={"lat": DOOR[0], "lon": DOOR[1], "accuracy_m": 5.0}, note="Entrance from the yard"
    )
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/address-wrong"

    first = client.post(url, json=body, headers=day.headers)
    again = client.post(url, json=body, headers=day.headers)

    assert first.status_code == 200, first.text
    assert (first.json()["stop"]["lat"], first.json()["stop"]["lon"]) == DOOR
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    address = client.get(
        f"/api/v1/shipments/{day.tracking_numbers[0]}", headers=org.headers
    ).json()["address"]
    assert (address["lat"], address["lon"]) == DOOR
    (reason,) = address["quality"]["reasons"]
    assert reason["code"] == "pin_moved"
    assert reason["message"].startswith("The pin was moved by driver Driver DRV-1")

    alerts = client.get("/api/v1/alerts?kind=address_wrong", headers=org.headers).json()
    (alert,) = alerts
    assert alert["driver_id"] == day.driver_id
    assert "Driver DRV-1 says the address of" in alert["title"]
    assert day.tracking_numbers[0] in alert["title"]
    assert "55 m from the pin" in alert["title"]
    assert alert["details"]["note"] == "Entrance from the yard"

    with db.session() as session:
        points = list(
            session.scalars(select(LearnedPoint).where(LearnedPoint.org_id == org.org_id))
        )
        audited = list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.subject_label == day.tracking_numbers[0],
                    AuditEntry.actor_type == "driver",
                )
            )
        )
    (point,) = points  # the replay taught nothing twice
    assert point.address_key == address_key(TEXT)
    assert (point.lat, point.lon, point.count) == (DOOR[0], DOOR[1], 1)
    (entry,) = audited
    assert entry.after == {"lat": DOOR[0], "lon": DOOR[1]}


def test_a_report_needs_the_position_and_an_open_stop(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _arrived(client, db, org)
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/address-wrong"
    body = day.action()
    del body["position"]

    blind = client.post(url, json=body, headers=day.headers)

    assert blind.status_code == 422
    assert blind.json()["errors"][0]["field"] == "position"
    failed = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/fail",
        json=day.action(reason="not_home"),
        headers=day.headers,
    )
    assert failed.status_code == 200, failed.text
    late = client.post(url, json=day.action(), headers=day.headers)
    assert late.status_code == 409
    assert "already failed" in late.json()["detail"]


def test_a_corrected_stop_on_a_route_under_way_gets_a_fresh_eta(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert started.status_code == 200, started.text
    fix = {"at": datetime.now(UTC).isoformat(), "lat": HUB[0], "lon": HUB[1], "accuracy_m": 5.0}
    at_hub = {"device_id": "app-1", "fixes": [fix]}
    assert client.post("/api/v1/driver/fixes", json=at_hub, headers=day.headers).is_success
    etas = f"/api/v1/routes/{day.route_id}/etas"
    before = {s["stop_id"]: s for s in client.get(etas, headers=org.headers).json()["stops"]}
    last = day.stop_ids[2]
    assert before[last]["eta"] is not None

    far = {"lat": STOPS[2][0] + 0.09, "lon": STOPS[2][1]}  # 10 km further north
    moved = client.patch(
        f"/api/v1/shipments/{day.tracking_numbers[2]}",
        json={"address": far},
        headers=org.headers,
    )

    assert moved.status_code == 200, moved.text
    after = {s["stop_id"]: s for s in client.get(etas, headers=org.headers).json()["stops"]}
    assert after[last]["eta"] > before[last]["eta"]
    assert after[last]["computed_at"] > before[last]["computed_at"]
