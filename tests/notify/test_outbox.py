"""Status events write outbox rows in their own transaction: per rule, per recipient, once."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.common import OrgHandle, create_shipment, post_event
from tests.notify.helpers import add_webhook, deliveries

from lastmile.db import Database
from lastmile.dispatch.status import record_status
from lastmile.notify.models import OutboxMessage
from lastmile.shipments.status import Status


def _rows(db: Database, tracking_number: str) -> list[OutboxMessage]:
    with db.session() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.context["tracking_number"].as_string() == tracking_number)
            .order_by(OutboxMessage.created_at, OutboxMessage.channel)
        )
        return list(session.scalars(query))


def test_out_for_delivery_queues_sms_and_email_with_the_token(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    shipment = create_shipment(client, org)
    assert _rows(db, shipment["tracking_number"]) == []

    status, _ = post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    assert status == 201

    rows = _rows(db, shipment["tracking_number"])
    assert {(r.event, r.channel.value, r.recipient) for r in rows} == {
        ("out_for_delivery", "sms", "+358401234567"),
        ("out_for_delivery", "email", "aino@example.fi"),
    }
    token = shipment["tracking_url"].rsplit("/", 1)[-1]
    assert all(r.context["tracking_token"] == token for r in rows)
    assert len({r.idempotency_key for r in rows}) == 2


def test_a_repeated_scan_of_the_same_status_sends_nothing_new(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="at_hub")
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    events = [r.event for r in _rows(db, shipment["tracking_number"])]
    assert events.count("out_for_delivery") == 2  # one SMS, one email


def test_a_failed_event_leaves_no_message(client: TestClient, org: OrgHandle, db: Database) -> None:
    shipment = create_shipment(client, org)
    status, _ = post_event(client, org, shipment["tracking_number"], status="delivered")
    assert status == 409
    assert _rows(db, shipment["tracking_number"]) == []


def test_the_outbox_row_commits_or_rolls_back_with_the_event(
    session: Session, org: OrgHandle, client: TestClient, db: Database
) -> None:
    shipment = create_shipment(client, org)
    record_status(
        session=session,
        org_id=org.org_id,
        tracking_number=shipment["tracking_number"],
        status=Status.OUT_FOR_DELIVERY,
        actor="test",
    )
    assert session.scalars(select(OutboxMessage)).all()
    session.rollback()
    assert _rows(db, shipment["tracking_number"]) == []


def test_missing_contact_and_disabled_rules_queue_nothing_for_that_channel(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    shipment = create_shipment(client, org, recipient={"name": "No Mail", "phone": "+358401234567"})
    response = client.put(
        "/api/v1/notify/rules/delivered/sms", json={"enabled": False}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    for status in ("out_for_delivery", "delivered"):
        post_event(client, org, shipment["tracking_number"], status=status)
    assert [(r.event, r.channel.value) for r in _rows(db, shipment["tracking_number"])] == [
        ("out_for_delivery", "sms")
    ]


def test_webhooks_follow_their_subscriptions_and_every_status(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    everything = add_webhook(client, org, "http://127.0.0.1:9/all")
    only_done = add_webhook(client, org, "http://127.0.0.1:9/done", events=["delivered"])
    shipment = create_shipment(client, org)
    for status in ("at_hub", "out_for_delivery", "delivered"):
        post_event(client, org, shipment["tracking_number"], status=status)

    hooks = [r for r in _rows(db, shipment["tracking_number"]) if r.channel.value == "webhook"]
    by_endpoint = {
        endpoint["id"]: [r.event for r in hooks if str(r.endpoint_id) == endpoint["id"]]
        for endpoint in (everything, only_done)
    }
    assert by_endpoint == {
        everything["id"]: ["at_hub", "out_for_delivery", "delivered"],
        only_done["id"]: ["delivered"],
    }


def test_attempted_carries_the_reason(client: TestClient, org: OrgHandle, db: Database) -> None:
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="attempted", reason="not at home")
    attempted = [r for r in _rows(db, shipment["tracking_number"]) if r.event == "attempted"]
    assert {r.channel.value for r in attempted} == {"sms", "email"}
    assert all(r.context["reason"] == "not at home" for r in attempted)


def test_deliveries_are_listed_per_organisation_only(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    mine = deliveries(client, org)
    assert len(mine) == 2
    assert deliveries(client, other_org) == []
    stranger = client.get(f"/api/v1/notify/deliveries/{mine[0]['id']}", headers=other_org.headers)
    assert stranger.status_code == 404
    replay = client.post(
        f"/api/v1/notify/deliveries/{mine[0]['id']}/replay", headers=other_org.headers
    )
    assert replay.status_code == 404
