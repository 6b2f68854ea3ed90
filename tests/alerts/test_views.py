import uuid

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.alerts.tracks import START
from tests.common import OrgHandle, make_driver

from lastmile.alerts import service
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.bus.base import fleet_channel, tracks_channel
from lastmile.db import Database


def open_alert(db: Database, org: OrgHandle) -> str:
    signal = Signal(AlertKind.ROUTE_DEVIATION, "dev-1", True, START, Severity.WARNING, "off route")
    with db.session() as session:
        [alert] = service.apply_signals(
            session, org_id=org.org_id, signals=[signal], subject=Subject()
        )
        session.commit()
        return str(alert.id)


def test_the_inbox_lists_open_alerts_and_acknowledging_is_pushed_live(
    app: FastAPI, client: TestClient, db: Database, org: OrgHandle
) -> None:
    alert_id = open_alert(db, org)
    inbox = client.get("/api/v1/alerts", headers=org.headers).json()
    assert [a["id"] for a in inbox] == [alert_id]

    async def subscribe_then_ack() -> dict[str, object]:
        subscription = await app.state.bus.subscribe(fleet_channel(org.org_id))
        response = await anyio.to_thread.run_sync(
            lambda: client.post(
                f"/api/v1/alerts/{alert_id}/acknowledge",
                json={"note": "calling driver"},
                headers=org.headers,
            )
        )
        assert response.status_code == 200, response.text
        message = await subscription.get(timeout_s=5)
        await subscription.close()
        assert message is not None
        return message.data

    pushed = client.portal.call(subscribe_then_ack)  # type: ignore[union-attr]
    assert pushed["type"] == "alert"
    assert pushed["id"] == alert_id
    assert pushed["status"] == "acknowledged"
    assert pushed["note"] == "calling driver"

    resolved = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=org.headers)
    assert resolved.json()["status"] == "resolved"
    again = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=org.headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/alerts", headers=org.headers).json() == []
    assert len(client.get("/api/v1/alerts?status=resolved", headers=org.headers).json()) == 1


def test_other_organisations_get_404(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    alert_id = open_alert(db, org)
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=other_org.headers).status_code == 404
    assert (
        client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=other_org.headers).status_code
        == 404
    )
    assert client.get("/api/v1/alerts", headers=other_org.headers).json() == []


@pytest.mark.parametrize(
    ("body", "field"), [({"halt_min_s": 5}, "halt_min_s"), ({"nope": 1}, "nope")]
)
def test_threshold_changes_are_validated_by_field(
    client: TestClient, org: OrgHandle, body: dict[str, object], field: str
) -> None:
    response = client.patch("/api/v1/alerts/settings", json=body, headers=org.headers)
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_threshold_changes_are_kept(client: TestClient, org: OrgHandle) -> None:
    response = client.patch(
        "/api/v1/alerts/settings", json={"corridor_m": 300}, headers=org.headers
    )
    assert response.status_code == 200
    assert client.get("/api/v1/alerts/settings", headers=org.headers).json()["corridor_m"] == 300


def _resolve_and_hear(
    app: FastAPI, client: TestClient, org: OrgHandle, alert_id: str
) -> dict[str, object] | None:
    """Resolve the alert; what the tracks channel said of it, if anything."""

    async def resolve() -> dict[str, object] | None:
        subscription = await app.state.bus.subscribe(tracks_channel())
        response = await anyio.to_thread.run_sync(
            lambda: client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=org.headers)
        )
        assert response.status_code == 200, response.text
        message = subscription.ready(10)  # published before the response was sent
        await subscription.close()
        return message[0].data if message else None

    return client.portal.call(resolve)  # type: ignore[union-attr]


def test_resolving_a_spoofing_alert_vouches_for_the_driver_s_devices(
    app: FastAPI, client: TestClient, db: Database, org: OrgHandle
) -> None:
    driver = make_driver(client, org, "spoofed-phone", "spoofed-tracker")
    signal = Signal(
        AlertKind.SPOOFED_LOCATION, "spoof-1", True, START, Severity.CRITICAL, "teleported"
    )
    with db.session() as session:
        [alert] = service.apply_signals(
            session,
            org_id=org.org_id,
            signals=[signal],
            subject=Subject(driver_id=uuid.UUID(driver["id"])),
        )
        session.commit()
        spoofed = str(alert.id)
    assert app.state.bus.subscriber_count(tracks_channel()) == 1, "the app's pipeline listens"
    assert _resolve_and_hear(app, client, org, spoofed) == {
        "type": "trust_restored",
        "driver_id": driver["id"],
        "device_ids": ["spoofed-phone", "spoofed-tracker"],
    }
    assert _resolve_and_hear(app, client, org, open_alert(db, org)) is None
