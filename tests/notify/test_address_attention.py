"""`address.needs_attention`: queued once with a new shipment whose address scored below the
organisation's threshold, in its transaction, and delivered to the merchant with the reasons."""

import json

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.address_index import indexed, tiny_extract  # noqa: F401 (fixtures)
from tests.common import OrgHandle
from tests.notify.helpers import add_webhook, deliveries
from tests.notify.receivers import Recorder, signature_ok

from lastmile.notify.worker import OutboxWorker

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("indexed")]

NO_NUMBER = {"text": "Mannerheimintie, Helsinki"}


def _attention(client: TestClient, org: OrgHandle) -> list[dict[str, object]]:
    return [d for d in deliveries(client, org) if d["event"] == "address.needs_attention"]


async def test_queued_once_with_the_reasons_and_delivered_signed(
    client: TestClient, org: OrgHandle, worker: OutboxWorker, receiver: Recorder
) -> None:
    endpoint = add_webhook(client, org, f"{receiver.url}/hooks", events=["address.needs_attention"])
    add_webhook(client, org, f"{receiver.url}/other", events=["delivered"])
    body = shipment_body(reference="ORD-1", address=NO_NUMBER)
    created = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    again = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert again.status_code == 200, "the same reference: the existing shipment"
    [queued] = _attention(client, org)
    assert queued["endpoint_id"] == endpoint["id"]
    assert queued["shipment_id"] == created.json()["id"]

    await worker.run_once()
    [request] = receiver.wait_for(1)
    assert request.path == "/hooks"
    assert signature_ok(request, endpoint["secret"])
    payload = json.loads(request.body)
    assert payload["type"] == "address.needs_attention"
    data = payload["data"]
    assert data["reference"] == "ORD-1"
    assert data["tracking_number"] == created.json()["tracking_number"]
    assert (data["score"], data["threshold"]) == (
        created.json()["address"]["quality"]["score"],
        60,
    )
    assert [r["code"] for r in data["reasons"]] == ["no_house_number"]
    assert "no house number" in data["reasons"][0]["message"]
    assert "aino" not in request.body.lower(), "no customer contact details"


def test_a_good_address_or_a_higher_bar_passed_queues_nothing(
    client: TestClient, org: OrgHandle, receiver: Recorder
) -> None:
    add_webhook(client, org, f"{receiver.url}/all")  # every event
    door = shipment_body(address={"text": "Mannerheimintie 1, Helsinki"})
    assert client.post("/api/v1/shipments", json=door, headers=org.headers).status_code == 201
    assert _attention(client, org) == []
    lowered = {"address_quality_threshold": 30}
    assert client.patch(
        "/api/v1/organization/settings", json=lowered, headers=org.headers
    ).is_success
    poor = shipment_body(address=NO_NUMBER)
    assert client.post("/api/v1/shipments", json=poor, headers=org.headers).status_code == 201
    assert _attention(client, org) == []


def test_a_bulk_create_queues_one_per_flagged_new_shipment(
    client: TestClient, org: OrgHandle, receiver: Recorder
) -> None:
    add_webhook(client, org, f"{receiver.url}/all")
    rows = [
        shipment_body(reference="B-1", address=NO_NUMBER),
        shipment_body(reference="B-2", address={"text": "Mannerheimintie 1, Helsinki"}),
        shipment_body(reference="B-3", address={"text": "asdf"}),
        shipment_body(reference="B-4", address=NO_NUMBER, recipient={"name": ""}),
    ]
    response = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)
    assert response.json()["created"] == 3
    repeat = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)
    assert repeat.json()["existing"] == 3
    made = {s["reference"]: s["id"] for s in response.json()["shipments"]}
    assert sorted(d["shipment_id"] for d in _attention(client, org)) == sorted(
        [made["B-1"], made["B-3"]]
    )
