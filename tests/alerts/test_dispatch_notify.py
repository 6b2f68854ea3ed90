"""New alerts reach dispatchers' systems as `alert.opened` webhooks and dispatchers by email,
through the outbox."""

import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.alerts.tracks import START
from tests.common import OrgHandle, make_driver
from tests.notify.mailserver import smtp_inbox

from lastmile.alerts import service
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.notify.models import OutboxMessage
from lastmile.notify.render import webhook_body
from lastmile.notify.types import Channel, MessageStatus
from lastmile.notify.worker import OutboxWorker


def _endpoint(client: TestClient, org: OrgHandle, events: list[str]) -> None:
    response = client.post(
        "/api/v1/notify/webhooks",
        json={"url": "https://ops.example.com/hooks", "events": events},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text


def test_an_opened_alert_is_queued_once_for_endpoints_that_asked_for_it(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    _endpoint(client, org, ["alert.opened"])
    _endpoint(client, org, [])
    halt = Signal(AlertKind.UNSCHEDULED_HALT, "h-1", True, START, Severity.WARNING, "halted")
    with db.session() as session:
        service.apply_signals(session, org_id=org.org_id, signals=[halt], subject=Subject())
        service.apply_signals(session, org_id=org.org_id, signals=[halt], subject=Subject())
        session.commit()
        [queued] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.event == "alert.opened")
        ).all()
        body = json.loads(webhook_body(queued, public_url="https://lastmile.example"))
    assert body["type"] == "alert.opened"
    assert body["data"]["kind"] == "unscheduled_halt"
    assert body["data"]["title"] == "halted"


def _signal(key: str, severity: Severity, title: str) -> Signal:
    return Signal(AlertKind.UNSCHEDULED_HALT, key, True, START, severity, title)


def _open(
    db: Database, org: OrgHandle, *signals: Signal, driver_id: uuid.UUID | None = None
) -> None:
    with db.session() as session:
        service.apply_signals(
            session, org_id=org.org_id, signals=signals, subject=Subject(driver_id=driver_id)
        )
        session.commit()


def _emails(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == Channel.EMAIL)
                .order_by(OutboxMessage.recipient)
            )
        )


async def _deliver(db: Database, settings: Settings, port: int) -> int:
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    worker = OutboxWorker(database=db, settings=mail, name="alert-mail")
    return await worker.run_once()


@pytest.mark.anyio
async def test_dispatchers_are_emailed_alerts_at_or_above_their_severity_over_smtp(
    client: TestClient, db: Database, settings: Settings, org: OrgHandle, other_org: OrgHandle
) -> None:
    changed = client.patch(
        "/api/v1/alerts/settings",
        json={
            "email_to": ["dana@example.com", "ops@example.com", "dana@example.com"],
            "email_min_severity": "warning",
        },
        headers=org.headers,
    )
    assert changed.status_code == 200, changed.text
    got = client.get("/api/v1/alerts/settings", headers=org.headers).json()
    assert got["email_min_severity"] == "warning"
    assert got["halt_min_s"] == 600
    assert client.get("/api/v1/alerts/settings", headers=other_org.headers).json()["email_to"] == []
    driver = make_driver(client, org, "ph-1", name="Mikko Lahtinen")

    _open(
        db,
        org,
        _signal("h-info", Severity.INFO, "driver paused briefly"),
        _signal("h-warn", Severity.WARNING, "Mikko halted for 12 min"),
        driver_id=uuid.UUID(driver["id"]),
    )
    _open(db, other_org, _signal("h-other", Severity.CRITICAL, "another company's halt"))
    _open(db, org, _signal("h-warn", Severity.WARNING, "Mikko halted for 13 min"))
    queued = _emails(db)
    assert [(m.recipient, m.org_id) for m in queued] == [
        ("dana@example.com", org.org_id),
        ("ops@example.com", org.org_id),
    ]

    with smtp_inbox() as (inbox, port):
        assert await _deliver(db, settings, port) == 2
    assert sorted(env.rcpt_tos[0] for env, _ in inbox.messages) == [
        "dana@example.com",
        "ops@example.com",
    ]
    _, message = inbox.messages[0]
    assert message["Subject"] == "[WARNING] Mikko halted for 12 min"
    assert message["List-Unsubscribe"].startswith("<http://testserver/notify/unsubscribe/")
    body = message.get_body()
    assert body is not None
    text = body.get_content()
    assert "Driver: Mikko Lahtinen" in text
    assert "unscheduled halt" in text
    assert "http://testserver/control-tower" in text
    assert {m.status for m in _emails(db)} == {MessageStatus.SENT}


@pytest.mark.anyio
async def test_the_alert_email_follows_the_organisation_s_locale(
    client: TestClient, db: Database, settings: Settings, org: OrgHandle
) -> None:
    locale = client.put(
        "/api/v1/notify/settings",
        json={"locale": "fi", "timezone": "Europe/Helsinki"},
        headers=org.headers,
    )
    assert locale.status_code == 200, locale.text
    body = {"email_to": ["dana@example.com"], "email_min_severity": "critical"}
    assert client.patch("/api/v1/alerts/settings", json=body, headers=org.headers).is_success
    _open(db, org, _signal("h-warn", Severity.WARNING, "pysähdys"))
    assert _emails(db) == []
    _open(db, org, _signal("h-crit", Severity.CRITICAL, "Mikko ei liiku"))
    with smtp_inbox() as (inbox, port):
        assert await _deliver(db, settings, port) == 1
    [(_, message)] = inbox.messages
    assert message["Subject"] == "[KRIITTINEN] Mikko ei liiku"
    text = message.get_body().get_content()  # type: ignore[union-attr]
    expected = START.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%H:%M")
    assert f"Avattu: klo {expected} (Europe/Helsinki)" in text


def test_bad_email_settings_name_the_field(client: TestClient, org: OrgHandle) -> None:
    cases = [
        ({"email_to": ["dana@example.com", "not an address"]}, "email_to.1"),
        ({"email_to": "dana@example.com"}, "email_to"),
        ({"email_min_severity": "loud"}, "email_min_severity"),
        ({"email_to": [f"d{i}@example.com" for i in range(21)]}, "email_to"),
    ]
    for changes, field in cases:
        response = client.patch("/api/v1/alerts/settings", json=changes, headers=org.headers)
        assert response.status_code == 422, changes
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field
    assert client.get("/api/v1/alerts/settings", headers=org.headers).json()["email_to"] == []
