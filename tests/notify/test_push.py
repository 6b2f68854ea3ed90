"""Browser push end to end: a page subscribes, an event queues, the worker pushes; the push
service (real, local) checks VAPID and the browser's key decrypts what arrived."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, post_event
from tests.notify.helpers import Clock, Outbox, deliveries, next_local, utc_text
from tests.notify.push_service import PushService, Subscriber, vapid_claims

from lastmile.db import Database
from lastmile.notify.models import PushSubscription
from lastmile.notify.worker import OutboxWorker

pytestmark = pytest.mark.anyio


def subscribe(client: TestClient, shipment: dict[str, Any], subscriber: Subscriber) -> None:
    response = client.post(f"{shipment['tracking_url']}/push", json=subscriber.to_json())
    assert response.status_code == 201, response.text


def subscriptions(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(PushSubscription)) or 0)


async def test_every_subscribed_browser_gets_the_news_with_the_tracking_link(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, push: PushService, phone_box: Outbox
) -> None:
    shipment = create_shipment(client, org)
    phone, laptop = push.subscriber("phone"), push.subscriber("laptop")
    subscribe(client, shipment, phone)
    subscribe(client, shipment, laptop)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")

    await worker.run_once()

    requests = push.recorder.wait_for(2)
    by_path = {r.path: r for r in requests}
    for subscriber in (phone, laptop):
        request = by_path[subscriber.endpoint.removeprefix(push.origin)]
        vapid_claims(request, origin=push.origin)
        notification = subscriber.decrypt(request.raw)
        assert notification["title"] == "Out for delivery"
        assert f"Parcel {shipment['tracking_number']} is on its way" in notification["body"]
        assert notification["url"] == shipment["tracking_url"]
    assert len(phone_box.sent) == 1  # the SMS went too, once
    assert {d["status"] for d in deliveries(client, org, channel="push")} == {"sent"}


async def test_a_gone_subscription_is_deleted_and_not_retried(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, push: PushService, db: Database
) -> None:
    shipment = create_shipment(client, org)
    subscribe(client, shipment, push.subscriber())
    push.status = 410
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")

    await worker.run_once()

    push.recorder.wait_for(1)
    assert subscriptions(db) == 0
    [dead] = deliveries(client, org, channel="push")
    assert dead["status"] == "dead"
    assert "410" in dead["last_error"]
    post_event(client, org, shipment["tracking_number"], status="arriving")
    await worker.run_once()
    assert len(deliveries(client, org, channel="push")) == 1  # nobody left to push to
    assert len(push.recorder.requests) == 1


async def test_a_push_service_failure_is_retried_with_backoff(
    client: TestClient,
    org: OrgHandle,
    worker: OutboxWorker,
    push: PushService,
    clock: Clock,
    db: Database,
) -> None:
    shipment = create_shipment(client, org)
    subscriber = push.subscriber()
    subscribe(client, shipment, subscriber)
    push.status = 503
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")

    await worker.run_once()
    [pending] = deliveries(client, org, channel="push")
    assert (pending["status"], pending["attempts"]) == ("pending", 1)
    assert subscriptions(db) == 1

    push.status = 201
    clock.advance(seconds=11)
    await worker.run_once()
    requests = push.recorder.wait_for(2)
    assert subscriber.decrypt(requests[1].raw)["title"] == "Out for delivery"
    assert deliveries(client, org, channel="push")[0]["status"] == "sent"


async def test_quiet_hours_hold_pushes_until_morning(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, push: PushService, clock: Clock
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    client.put(
        "/api/v1/notify/settings",
        json={"quiet_hours": {"start": "21:00", "end": "08:00"}},
        headers=org.headers,
    )
    shipment = create_shipment(client, org, hub_id=hub["id"])
    subscribe(client, shipment, push.subscriber())
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")

    clock.now = next_local(22, "Europe/Helsinki")
    morning = next_local(8, "Europe/Helsinki", after=clock.now)
    await worker.run_once()
    [held] = deliveries(client, org, channel="push")
    assert held["next_attempt_at"] == utc_text(morning)
    assert push.recorder.requests == []

    clock.now = morning
    await worker.run_once()
    push.recorder.wait_for(1)


async def test_a_browser_that_unsubscribed_is_not_pushed_to(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, push: PushService
) -> None:
    shipment = create_shipment(client, org)
    subscriber = push.subscriber()
    subscribe(client, shipment, subscriber)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    response = client.request(
        "DELETE", f"{shipment['tracking_url']}/push", json={"endpoint": subscriber.endpoint}
    )
    assert response.status_code == 204

    await worker.run_once()

    [suppressed] = deliveries(client, org, channel="push")
    assert (suppressed["status"], suppressed["last_error"]) == (
        "suppressed",
        "the recipient opted out",
    )
    assert push.recorder.requests == []


async def test_an_organisation_can_turn_push_off_per_event(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, push: PushService
) -> None:
    response = client.put(
        "/api/v1/notify/rules/out_for_delivery/push", json={"enabled": False}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    shipment = create_shipment(client, org)
    subscriber = push.subscriber()
    subscribe(client, shipment, subscriber)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="delivered")

    await worker.run_once()

    [request] = push.recorder.wait_for(1)
    assert subscriber.decrypt(request.raw)["title"] == "Delivered"
    assert [d["event"] for d in deliveries(client, org, channel="push")] == ["delivered"]
