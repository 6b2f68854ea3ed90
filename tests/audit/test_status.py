"""Status overrides through the API (one event, a batch, a cancellation) each leave exactly
one audit entry with the status before and after; another organisation's shipment none."""

from fastapi.testclient import TestClient
from tests.audit.test_views import audit, only
from tests.common import OrgHandle, create_shipment


def test_an_event_a_batch_and_a_cancellation(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    first = create_shipment(client, org)["tracking_number"]
    second = create_shipment(client, org, reference="REF-2")["tracking_number"]

    one = client.post(
        f"/api/v1/shipments/{first}/events", json={"status": "at_hub"}, headers=org.headers
    )
    assert one.status_code == 201, one.text
    entry = only(audit(client, org), "shipment.status")
    assert entry["subject"]["label"] == first
    assert (entry["before"], entry["after"]) == (
        {"status": "created"},
        {"status": "at_hub", "event": "at_hub"},
    )
    assert entry["text"] == f"set shipment {first} to at_hub (was created)"
    assert entry["actor"]["type"] == "api_key"

    batch = client.post(
        "/api/v1/shipments/events/bulk",
        json={
            "events": [
                {"tracking_number": second, "status": "at_hub"},
                {"tracking_number": "LM-NO-SUCH", "status": "at_hub"},
            ]
        },
        headers=org.headers,
    )
    assert batch.json()["applied"] == 1, batch.text
    entries = audit(client, org, action="shipment.status")
    assert [e["subject"]["label"] for e in entries] == [second, first]

    cancelled = client.post(
        f"/api/v1/shipments/{first}/cancel", json={"reason": "customer asked"}, headers=org.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    entry = only(audit(client, org), "shipment.cancel")
    assert entry["after"] == {
        "status": "cancelled",
        "event": "cancelled",
        "reason": "customer asked",
    }
    assert entry["text"] == f"cancelled shipment {first}: customer asked"

    refused = client.post(
        f"/api/v1/shipments/{second}/events", json={"status": "at_hub"}, headers=other_org.headers
    )
    assert refused.status_code == 404
    assert audit(client, other_org) == []
    assert len(audit(client, org)) == 3
