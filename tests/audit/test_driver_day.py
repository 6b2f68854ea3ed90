"""The driver's day in the audit log: the app's own route start (the driver is the actor), a
route closed by the driver's shift end or by the end-of-day sweep (Lastmile is the actor), the
alert that follows acknowledged and resolved; and a draft plan discarded."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.audit.test_dispatch import ACTOR, _actor
from tests.audit.test_views import audit, only
from tests.common import OrgHandle
from tests.dispatch.test_edits import DAY, NEAR, _hub, _order
from tests.driver_app import DriverDay, make_driver_day, sign_in

from lastmile.db import Database
from lastmile.dispatch.models import Route
from lastmile.driver.scheduled import close_ended_days


def _started(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    shift = client.post(
        "/api/v1/driver/shift/start",
        json=day.action(vehicle_id=day.vehicle_id),
        headers=day.headers,
    )
    assert shift.status_code == 201, shift.text
    body = day.action()
    started = client.post("/api/v1/driver/route/start", json=body, headers=day.headers)
    assert started.status_code == 200, started.text
    again = client.post("/api/v1/driver/route/start", json=body, headers=day.headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    return day


def test_the_app_starting_the_route_and_the_shift_end_closing_it(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    entry = only(audit(client, org), "route.start")
    assert entry["subject"]["id"] == day.route_id
    assert entry["actor"] == {"type": "driver", "id": day.driver_id, "name": "Driver DRV-1"}
    assert entry["text"].startswith("started the route Driver DRV-1's route on ")
    assert entry["who"] == "driver Driver DRV-1"

    ended = client.post(
        "/api/v1/driver/shift/end",
        json=day.action(hand_back_open_stops=True),
        headers=day.headers,
    )
    assert ended.status_code == 200, ended.text
    closed = only(audit(client, org), "route.close")
    assert closed["actor"]["type"] == "driver"
    assert closed["subject"]["id"] == day.route_id
    assert closed["before"] == {"status": "in_progress"}
    assert closed["after"] == {
        "status": "completed",
        "why": "shift ended",
        "handed_back": day.tracking_numbers,
    }
    assert closed["text"].endswith("(shift ended): 3 stops handed back to the hub")

    alert = _unfinished_alert(client, org)
    for step in ("acknowledge", "acknowledge", "resolve"):
        done = client.post(
            f"/api/v1/alerts/{alert['id']}/{step}", json={"note": "called"}, headers=org.headers
        )
        assert done.status_code == 200, done.text
    entries = audit(client, org, subject_type="alert")
    assert [e["action"] for e in entries] == ["alert.resolve", "alert.acknowledge"]
    assert entries[1]["before"] == {"status": "open", "note": None}
    assert entries[1]["after"] == {"status": "acknowledged", "note": "called"}
    assert entries[0]["after"] == {"status": "resolved"}
    assert entries[0]["text"] == f"resolved the alert “{alert['title']}”"
    assert _actor(entries[0]) == ACTOR


def test_the_end_of_day_sweep_is_recorded_as_lastmile(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    now = datetime.now(UTC)
    with db.session() as session:
        route = session.get_one(Route, uuid.UUID(day.route_id))
        yesterday = route.date - timedelta(days=1)  # the day before the route's, at its hub
        session.execute(
            update(Route).where(Route.id == uuid.UUID(day.route_id)).values(date=yesterday)
        )
        assert len(close_ended_days(session, now=now)) == 1
        session.commit()
    closed = only(audit(client, org), "route.close")
    assert closed["actor"] == {"type": "system", "id": None, "name": "end-of-day"}
    assert closed["who"] == "Lastmile"
    assert closed["after"]["why"] == "the day ended and the shift was never ended"


def test_a_discarded_draft_plan(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    _order(client, org, hub, NEAR)
    driver = client.post("/api/v1/drivers", json={"name": "Aino"}, headers=org.headers).json()
    van = client.post("/api/v1/vehicles", json={"plate": "ABC-123"}, headers=org.headers).json()
    plan = client.post(
        "/api/v1/plans",
        json={
            "hub_id": hub,
            "date": DAY,
            "driver_ids": [driver["id"]],
            "vehicle_ids": [van["id"]],
            "time_limit_s": 0.2,
        },
        headers=org.headers,
    )
    assert plan.status_code == 201, plan.text
    discarded = client.post(f"/api/v1/plans/{plan.json()['id']}/discard", headers=org.headers)
    assert discarded.status_code == 200, discarded.text
    entry = only(audit(client, org), "plan.discard")
    assert entry["subject"]["id"] == plan.json()["id"]
    assert (entry["before"], entry["after"]) == ({"status": "draft"}, {"status": "discarded"})
    assert entry["text"] == f"discarded the draft plan {entry['subject']['label']}"


def test_opt_outs_added_once_and_removed_with_the_address_masked(
    client: TestClient, org: OrgHandle
) -> None:
    for _ in range(2):
        made = client.post(
            "/api/v1/notify/opt-outs", json={"phone": "+358401234567"}, headers=org.headers
        )
        assert made.status_code == 201, made.text
    removed = client.delete(f"/api/v1/notify/opt-outs/{made.json()['id']}", headers=org.headers)
    assert removed.status_code == 204, removed.text
    entries = audit(client, org, subject_type="opt_out")
    assert [e["action"] for e in entries] == ["opt_out.delete", "opt_out.create"]
    assert entries[1]["text"] == "stopped notifications to SMS +358*******67"
    assert entries[0]["text"] == "allowed notifications to SMS +358*******67 again"
    assert "401234567" not in str(entries)


def _unfinished_alert(client: TestClient, org: OrgHandle) -> dict[str, Any]:
    found = client.get("/api/v1/alerts", headers=org.headers).json()
    [alert] = [a for a in found if a["kind"] == "route_unfinished"]
    assert isinstance(alert, dict)
    return alert
