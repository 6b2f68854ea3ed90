"""The scheduled detectors over the database: GPS lost and found, SLA breach, late risk."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.alerts.world import out_on_route
from tests.common import OrgHandle

from lastmile.alerts import service
from lastmile.alerts.models import AlertStatus
from lastmile.alerts.sweep import sweep
from lastmile.db import Database
from lastmile.eta.models import StopEtaRow


def post_fix(
    client: TestClient, org: OrgHandle, device_id: str, at: datetime, speed_mps: float
) -> None:
    fix = {
        "at": at.isoformat(),
        "lat": 60.17,
        "lon": 24.93,
        "speed_mps": speed_mps,
        "battery_pct": 35,
    }
    response = client.post(
        "/api/v1/fixes", json={"device_id": device_id, "fixes": [fix]}, headers=org.headers
    )
    assert response.status_code == 200, response.text


def run_sweep(db: Database, now: datetime) -> None:
    with db.session() as session:
        sweep(session, now=now)
        session.commit()


def alerts(db: Database, org: OrgHandle, *statuses: AlertStatus) -> list[tuple[str, str]]:
    with db.session() as session:
        found = service.list_alerts(
            session, org_id=org.org_id, statuses=statuses or list(AlertStatus)
        )
        return sorted((a.kind, a.status.value) for a in found)


def test_a_phone_silent_after_moving_is_lost_then_found(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    now = datetime.now(UTC)
    post_fix(client, org, world.device_id, now, speed_mps=12)
    run_sweep(db, now + timedelta(minutes=4))
    assert alerts(db, org) == []
    run_sweep(db, now + timedelta(minutes=6))
    assert alerts(db, org) == [("gps_lost", "open")]
    run_sweep(db, now + timedelta(minutes=7))
    assert alerts(db, org) == [("gps_lost", "open")]
    post_fix(client, org, world.device_id, now + timedelta(minutes=1), speed_mps=0)
    run_sweep(db, now + timedelta(minutes=8))
    assert alerts(db, org) == [("gps_lost", "resolved")]


def test_a_parked_phone_gets_longer_before_it_counts_as_lost(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    now = datetime.now(UTC)
    post_fix(client, org, world.device_id, now, speed_mps=0)
    run_sweep(db, now + timedelta(minutes=20))
    assert alerts(db, org) == []
    run_sweep(db, now + timedelta(minutes=31))
    assert alerts(db, org) == [("gps_lost", "open")]


def test_a_missed_window_is_one_sla_breach_per_stop(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    window_end = datetime.fromisoformat(world.shipments[0]["window"]["end"])
    post_fix(client, org, world.device_id, datetime.now(UTC), speed_mps=0)
    run_sweep(db, window_end - timedelta(minutes=1))
    assert ("sla_breach", "open") not in alerts(db, org)
    run_sweep(db, window_end + timedelta(minutes=1))
    run_sweep(db, window_end + timedelta(minutes=5))
    with db.session() as session:
        breaches = [
            a for a in service.list_alerts(session, org_id=org.org_id) if a.kind == "sla_breach"
        ]
    assert sorted(str(a.shipment_id) for a in breaches) == sorted(s["id"] for s in world.shipments)


def test_a_stop_whose_eta_falls_past_its_window_is_at_risk_until_it_is_back(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    now = datetime.now(UTC)
    post_fix(client, org, world.device_id, now, speed_mps=8)
    first, second = (uuid.UUID(s["id"]) for s in world.shipments)
    window_end = datetime.fromisoformat(world.shipments[0]["window"]["end"])

    def first_eta(eta: datetime) -> None:
        with db.session() as session:
            moved = session.execute(
                update(StopEtaRow).where(StopEtaRow.shipment_id == first).values(eta=eta)
            )
            assert moved.rowcount == 1  # type: ignore[attr-defined]
            session.commit()

    first_eta(window_end + timedelta(hours=1))
    run_sweep(db, now)
    with db.session() as session:
        risks = [
            (a.shipment_id, a.status)
            for a in service.list_alerts(session, org_id=org.org_id)
            if a.kind == "late_risk"
        ]
    assert risks == [(first, AlertStatus.OPEN)]
    assert second not in {shipment for shipment, _ in risks}

    first_eta(window_end - timedelta(hours=1))
    run_sweep(db, now)
    assert ("late_risk", "open") not in alerts(db, org)
