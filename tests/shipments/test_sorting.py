"""The orders list sorted on the server by a column, paged with cursors of that order."""

from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.common import OrgHandle

NAMES = ["Eino", "Aino", "Ville", "Saara", "Jyrki"]


def _create(client: TestClient, org: OrgHandle) -> None:
    rows = [
        shipment_body(reference=f"S-{i}", recipient={"name": name}) for i, name in enumerate(NAMES)
    ]
    created = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)
    assert created.json()["created"] == len(NAMES), created.text


def _all_pages(client: TestClient, org: OrgHandle, sort: str) -> list[str]:
    names: list[str] = []
    cursor = None
    while True:
        params = {"sort": sort, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/shipments", params=params, headers=org.headers).json()
        names += [s["recipient"]["name"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return names


def test_pages_follow_the_recipient_order_both_ways(client: TestClient, org: OrgHandle) -> None:
    _create(client, org)
    assert _all_pages(client, org, "recipient") == sorted(NAMES)
    assert _all_pages(client, org, "-recipient") == sorted(NAMES, reverse=True)


def test_an_unknown_sort_or_a_cursor_of_another_order_is_a_422(
    client: TestClient, org: OrgHandle
) -> None:
    _create(client, org)
    wrong = client.get("/api/v1/shipments", params={"sort": "weight"}, headers=org.headers)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "sort"
    first = client.get(
        "/api/v1/shipments", params={"sort": "recipient", "limit": "2"}, headers=org.headers
    ).json()
    mixed = client.get(
        "/api/v1/shipments",
        params={"sort": "status", "cursor": first["next_cursor"]},
        headers=org.headers,
    )
    assert mixed.status_code == 422
    assert mixed.json()["errors"][0]["field"] == "cursor"
