"""Org A's credentials can neither see nor touch org B's rows: everything answers 404."""

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment


def test_shipments_are_invisible_across_organisations(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    theirs = create_shipment(client, other_org, reference="SECRET-1")
    number = theirs["tracking_number"]
    mine = org.headers

    assert client.get(f"/api/v1/shipments/{number}", headers=mine).status_code == 404
    assert client.get(f"/api/v1/shipments/{number}/events", headers=mine).status_code == 404
    assert client.get("/api/v1/shipments", headers=mine).json()["items"] == []
    assert client.get("/api/v1/shipments?q=SECRET-1", headers=mine).json()["items"] == []
    event = client.post(
        f"/api/v1/shipments/{number}/events", json={"status": "at_hub"}, headers=mine
    )
    assert event.status_code == 404
    cancel = client.post(f"/api/v1/shipments/{number}/cancel", json={"reason": "x"}, headers=mine)
    assert cancel.status_code == 404

    still = client.get(f"/api/v1/shipments/{number}", headers=other_org.headers).json()
    assert still["status"] == "created"
    assert len(still["timeline"]) == 1


def test_same_reference_in_two_organisations_is_two_shipments(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    a = create_shipment(client, org, reference="ORD-1")
    b = create_shipment(client, other_org, reference="ORD-1")
    assert a["id"] != b["id"]


def test_hubs_are_invisible_across_organisations(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=other_org.headers).json()
    mine = org.headers
    assert client.get(f"/api/v1/hubs/{hub['id']}", headers=mine).status_code == 404
    assert client.get("/api/v1/hubs", headers=mine).json() == []
    assert (
        client.patch(f"/api/v1/hubs/{hub['id']}", json={"name": "x"}, headers=mine).status_code
        == 404
    )
    assert client.delete(f"/api/v1/hubs/{hub['id']}", headers=mine).status_code == 404
    response = client.post(
        "/api/v1/shipments",
        json={"recipient": {"name": "x"}, "address": {"text": "x"}, "hub_id": hub["id"]},
        headers=mine,
    )
    assert response.status_code == 422


def test_users_and_keys_are_invisible_across_organisations(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    user = client.post(
        "/api/v1/users",
        json={"email": "b@example.com", "name": "B", "password": "long enough pw"},
        headers=other_org.headers,
    ).json()
    mine = org.headers
    assert client.get(f"/api/v1/users/{user['id']}", headers=mine).status_code == 404
    assert client.get("/api/v1/users", headers=mine).json() == []
    assert (
        client.patch(f"/api/v1/users/{user['id']}", json={"name": "x"}, headers=mine).status_code
        == 404
    )
    assert client.delete(f"/api/v1/users/{user['id']}", headers=mine).status_code == 404
    keys = client.get("/api/v1/api-keys", headers=other_org.headers).json()
    assert client.delete(f"/api/v1/api-keys/{keys[0]['id']}", headers=mine).status_code == 404
    assert client.get("/api/v1/me", headers=other_org.headers).status_code == 200
