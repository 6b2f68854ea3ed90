"""`GET /api/v1/shipments/counts`: how many shipments match the list's filters, per status."""

from fastapi.testclient import TestClient
from testkit.bodies import hub_body, shipment_body
from tests.common import OrgHandle, post_event


def _counts(client: TestClient, org: OrgHandle, query: str = "") -> dict[str, int]:
    response = client.get(f"/api/v1/shipments/counts?{query}", headers=org.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_counts_per_status_follow_the_filters_and_the_organisation(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    rows = [
        shipment_body(
            reference=f"C-{i}",
            recipient={"name": f"Person {i}", "phone": "+358401234567"},
            hub_id=hub["id"] if i < 3 else None,
            delivery_date="2026-11-25" if i == 4 else None,
        )
        for i in range(5)
    ]
    created = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)
    assert created.json()["created"] == 5, created.text
    numbers = {s["reference"]: s["tracking_number"] for s in created.json()["shipments"]}
    assert post_event(client, org, numbers["C-0"], status="at_hub")[0] == 201
    other = client.post(
        "/api/v1/shipments/bulk", json={"shipments": rows[3:5]}, headers=other_org.headers
    )
    assert other.json()["created"] == 2, other.text

    assert _counts(client, org) == {"created": 4, "at_hub": 1}
    assert _counts(client, org, f"hub_id={hub['id']}") == {"created": 2, "at_hub": 1}
    assert _counts(client, org, "date=2026-11-25") == {"created": 1}
    assert _counts(client, org, "q=Person 3") == {"created": 1}
    assert _counts(client, org, "status=at_hub") == {"at_hub": 1}
    assert _counts(client, org, "needs_attention=true") == {}
    assert _counts(client, other_org) == {"created": 2}
    assert _counts(client, other_org, "date=2026-11-25") == {"created": 1}


def test_a_bad_filter_names_its_field(client: TestClient, org: OrgHandle) -> None:
    for query, field in [("date=tomorrow", "date"), ("hub_id=HEL1", "hub_id")]:
        response = client.get(f"/api/v1/shipments/counts?{query}", headers=org.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == [field]
