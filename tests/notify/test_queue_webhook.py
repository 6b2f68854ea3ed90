"""One way to queue an organisation's webhook event (`outbox.queue_webhook`) and one body
convention: the data written when it was queued, under `webhook_data`, sent as `data`."""

import json
import uuid
from importlib import import_module

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle

from lastmile.db import Database
from lastmile.notify.models import OutboxMessage
from lastmile.notify.outbox import queue_webhook
from lastmile.notify.render import webhook_body


def _endpoint(client: TestClient, org: OrgHandle, events: list[str]) -> str:
    response = client.post(
        "/api/v1/notify/webhooks",
        json={"url": "https://shop.example.com/hooks", "events": events},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_an_event_goes_once_to_each_listening_endpoint_with_its_data_as_written(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    named = _endpoint(client, org, ["invoice.issued"])
    _endpoint(client, org, [])  # listens to everything, but invoice.issued must be named
    _endpoint(client, org, ["delivered"])
    data = {"invoice_id": "i-1", "total": "12.50"}
    with db.session() as session:
        first = queue_webhook(
            session=session, org_id=org.org_id, event="invoice.issued", key="inv:1", data=data
        )
        again = queue_webhook(
            session=session, org_id=org.org_id, event="invoice.issued", key="inv:1", data=data
        )
        session.commit()
        [message] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.org_id == org.org_id)
        ).all()
        body = json.loads(webhook_body(message, public_url="https://lastmile.example"))
    assert len(first) == 1
    assert again == []
    assert str(message.endpoint_id) == named
    assert message.context == {"webhook_data": data}
    assert message.idempotency_key == f"inv:1:webhook:{named}"
    assert body == {
        "id": str(message.id),
        "type": "invoice.issued",
        "created_at": message.created_at.isoformat(),
        "data": data,
    }


def test_an_endpoint_listening_to_everything_gets_charge_created(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    everything = _endpoint(client, org, [])
    with db.session() as session:
        [message] = queue_webhook(
            session=session, org_id=org.org_id, event="charge.created", key="c:1", data={"a": 1}
        )
    assert str(message.endpoint_id) == everything


def test_the_migration_moves_queued_alert_and_invoice_webhooks_to_webhook_data() -> None:
    migration = import_module("lastmile.migrations.versions.0028_webhook_data_context")
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    outbox = sa.Table(
        "notification_outbox",
        meta,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("event", sa.String()),
        sa.Column("endpoint_id", sa.Uuid(), nullable=True),
        sa.Column("context", sa.JSON()),
    )
    meta.create_all(engine)
    endpoint = uuid.uuid4()
    rows = {
        "webhook": ("alert.opened", endpoint, {"kind": "halt"}),
        "email": ("alert.opened", None, {"kind": "halt", "timezone": "UTC"}),
        "charge": ("charge.created", endpoint, {"webhook_data": {"a": 1}, "x": 2}),
        "invoice": ("invoice.issued", endpoint, {"number": "2026-1"}),
    }
    ids = {name: uuid.uuid4() for name in rows}
    with engine.begin() as conn:
        conn.execute(
            outbox.insert(),
            [
                {"id": ids[name], "event": e, "endpoint_id": ep, "context": c}
                for name, (e, ep, c) in rows.items()
            ],
        )
        with Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
        after = dict(conn.execute(select(outbox.c.id, outbox.c.context)).all())
    assert after[ids["webhook"]] == {"webhook_data": {"kind": "halt"}}
    assert after[ids["invoice"]] == {"webhook_data": {"number": "2026-1"}}
    assert after[ids["email"]] == rows["email"][2]
    assert after[ids["charge"]] == rows["charge"][2]
