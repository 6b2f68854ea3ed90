"""New alerts reach dispatchers' systems as `alert.opened` webhooks, through the outbox."""

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.alerts.tracks import START
from tests.common import OrgHandle

from lastmile.alerts import service
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.db import Database
from lastmile.notify.models import OutboxMessage
from lastmile.notify.render import webhook_body


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
