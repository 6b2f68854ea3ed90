"""The outbox worker against the test database and a real local merchant endpoint."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, post_event
from tests.notify.helpers import Clock, Outbox, add_webhook, deliveries, next_local, utc_text
from tests.notify.receivers import Recorder, signature_ok

from lastmile.notify.types import Channel
from lastmile.notify.worker import OutboxWorker

pytestmark = pytest.mark.anyio


async def test_messages_are_rendered_with_links_and_sent_once(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, phone_box: Outbox, mail_box: Outbox
) -> None:
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="delivered")

    assert await worker.run_once() == 4
    assert await worker.run_once() == 0

    texts = [m.body for m in phone_box.sent]
    assert "out for delivery" in texts[0]
    assert shipment["tracking_url"] in texts[0]
    assert f"{shipment['tracking_url']}/feedback" in texts[1]
    subjects = [m.subject for m in mail_box.sent]
    assert subjects == [
        f"Your parcel {shipment['tracking_number']} is out for delivery",
        f"Your parcel {shipment['tracking_number']} has been delivered",
    ]
    assert "08:00 and 10:00" in mail_box.sent[0].body  # no hub: the organisation zone, UTC
    assert mail_box.sent[0].headers["List-Unsubscribe"].startswith("<http://testserver/notify/")
    assert {d["status"] for d in deliveries(client, org)} == {"sent"}


async def test_the_org_locale_and_the_hubs_time_zone_are_used(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, phone_box: Outbox, mail_box: Outbox
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    response = client.put(
        "/api/v1/notify/settings", json={"locale": "fi", "timezone": "UTC"}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    shipment = create_shipment(client, org, hub_id=hub["id"])
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    await worker.run_once()
    assert phone_box.sent[0].body.startswith("Hei Aino Virtanen, lähetyksesi")
    assert "klo 10:00\u201312:00" in mail_box.sent[0].body


async def test_webhooks_are_signed_and_carry_the_idempotency_key(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, receiver: Recorder
) -> None:
    endpoint = add_webhook(client, org, f"{receiver.url}/hooks", events=["delivered"])
    assert endpoint["secret"].startswith("whsec_")
    listed = client.get("/api/v1/notify/webhooks", headers=org.headers).json()
    assert "secret" not in listed[0]

    shipment = create_shipment(client, org, reference="ORD-9")
    for status in ("out_for_delivery", "delivered"):
        post_event(client, org, shipment["tracking_number"], status=status)
    await worker.run_once()

    [request] = receiver.wait_for(1)
    assert signature_ok(request, endpoint["secret"])
    assert not signature_ok(request, "whsec_someone-else")
    payload = json.loads(request.body)
    assert payload["type"] == "shipment.delivered"
    assert payload["data"]["reference"] == "ORD-9"
    assert "aino" not in request.body.lower()
    [row] = deliveries(client, org, channel="webhook")
    assert request.headers["idempotency-key"] == row["idempotency_key"]


async def test_failures_back_off_exponentially_then_die_and_replay_resends(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, receiver: Recorder, clock: Clock
) -> None:
    receiver.answer = lambda recorder, request: 503
    add_webhook(client, org, receiver.url, events=["out_for_delivery"])
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    [row] = deliveries(client, org, channel="webhook")

    assert await worker.run_once() == 3  # the webhook, an SMS and an email
    assert await worker.run_once() == 0  # not due yet
    clock.advance(seconds=10)
    assert await worker.run_once() == 1
    clock.advance(seconds=19)
    assert await worker.run_once() == 0  # the second wait is twice as long
    clock.advance(seconds=1)
    assert await worker.run_once() == 1
    clock.advance(hours=1)
    assert await worker.run_once() == 0  # dead after 3 attempts

    detail = client.get(f"/api/v1/notify/deliveries/{row['id']}", headers=org.headers).json()
    assert detail["status"] == "dead"
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in detail["log"]] == [
        (1, "retry", 503),
        (2, "retry", 503),
        (3, "dead", 503),
    ]

    receiver.answer = lambda recorder, request: 204
    replay = client.post(f"/api/v1/notify/deliveries/{row['id']}/replay", headers=org.headers)
    assert replay.status_code == 202
    assert await worker.run_once() == 1
    requests = receiver.wait_for(4)
    assert {r.headers["idempotency-key"] for r in requests} == {row["idempotency_key"]}
    after = client.get(f"/api/v1/notify/deliveries/{row['id']}", headers=org.headers).json()
    assert after["status"] == "sent"
    assert after["log"][-1]["outcome"] == "sent"


async def test_gone_endpoints_are_not_retried(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, receiver: Recorder
) -> None:
    receiver.answer = lambda recorder, request: 410
    add_webhook(client, org, receiver.url, events=["out_for_delivery"])
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    await worker.run_once()
    [row] = deliveries(client, org, channel="webhook")
    assert row["status"] == "dead"
    assert row["attempts"] == 1


async def test_opted_out_recipients_get_nothing_on_that_channel(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, phone_box: Outbox, mail_box: Outbox
) -> None:
    response = client.post(
        "/api/v1/notify/opt-outs", json={"phone": "+358 40 123 4567"}, headers=org.headers
    )
    assert response.status_code == 201, response.text
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    await worker.run_once()
    assert phone_box.sent == []
    assert len(mail_box.sent) == 1
    sms = deliveries(client, org, channel="sms")[0]
    assert (sms["status"], sms["last_error"]) == ("suppressed", "the recipient opted out")


async def test_quiet_hours_defer_sms_but_not_webhooks(
    client: TestClient,
    org: OrgHandle,
    worker: OutboxWorker,
    phone_box: Outbox,
    receiver: Recorder,
    clock: Clock,
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    client.put(
        "/api/v1/notify/settings",
        json={"quiet_hours": {"start": "21:00", "end": "08:00"}},
        headers=org.headers,
    )
    add_webhook(client, org, receiver.url)
    shipment = create_shipment(client, org, hub_id=hub["id"])
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")

    clock.now = next_local(22, "Europe/Helsinki")
    morning = next_local(8, "Europe/Helsinki", after=clock.now)
    await worker.run_once()
    receiver.wait_for(1)
    assert phone_box.sent == []
    [sms] = deliveries(client, org, channel="sms")
    assert sms["next_attempt_at"] == utc_text(morning)

    clock.now = morning
    await worker.run_once()
    assert len(phone_box.sent) == 1


async def test_arriving_that_would_wait_past_its_use_is_dropped(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, phone_box: Outbox, clock: Clock
) -> None:
    clock.now = datetime.now(UTC) + timedelta(minutes=1)
    quiet = {  # the organisation's time zone is UTC; quiet from an hour ago for three hours
        "start": f"{(clock.now - timedelta(hours=1)):%H:%M}",
        "end": f"{(clock.now + timedelta(hours=2)):%H:%M}",
    }
    client.put("/api/v1/notify/settings", json={"quiet_hours": quiet}, headers=org.headers)
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="arriving")
    await worker.run_once()
    arriving = [d for d in deliveries(client, org, channel="sms") if d["event"] == "arriving"]
    assert arriving[0]["status"] == "suppressed"
    assert phone_box.sent == []


class _Broken:
    async def send(self, message: object) -> None:
        raise RuntimeError("a bug in a sender")

    async def close(self) -> None:
        return None


async def test_a_sender_bug_is_logged_as_a_retry_and_the_loop_goes_on(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, mail_box: Outbox
) -> None:
    worker.senders[Channel.SMS] = _Broken()  # type: ignore[assignment]
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    assert await worker.run_once() == 2
    assert len(mail_box.sent) == 1
    [sms] = deliveries(client, org, channel="sms")
    assert (sms["status"], sms["last_error"]) == ("pending", "unexpected RuntimeError")


async def test_the_signing_secret_never_reaches_the_delivery_log_or_the_logs(
    client: TestClient,
    org: OrgHandle,
    worker: OutboxWorker,
    receiver: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    receiver.answer = lambda recorder, request: 500
    endpoint = add_webhook(client, org, f"{receiver.url}/hooks", events=["delivered"])
    shipment = create_shipment(client, org)
    for status in ("out_for_delivery", "delivered"):
        post_event(client, org, shipment["tracking_number"], status=status)
    await worker.run_once()
    receiver.wait_for(1)

    [row] = deliveries(client, org, channel="webhook")
    detail = client.get(f"/api/v1/notify/deliveries/{row['id']}", headers=org.headers)
    assert detail.json()["log"][0]["outcome"] == "retry"
    listed = client.get("/api/v1/notify/webhooks", headers=org.headers)
    for text in (detail.text, listed.text, json.dumps(row), caplog.text):
        assert endpoint["secret"] not in text
