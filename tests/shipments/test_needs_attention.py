"""`GET /api/v1/shipments?needs_attention=`: addresses below the organisation's threshold."""

import pytest
from fastapi.testclient import TestClient
from tests.address_index import indexed, tiny_extract  # noqa: F401 (fixtures)
from tests.common import OrgHandle, create_shipment


def _listed(client: TestClient, org: OrgHandle, flag: str) -> set[str]:
    response = client.get(f"/api/v1/shipments?needs_attention={flag}", headers=org.headers)
    assert response.status_code == 200, response.text
    return {s["reference"] for s in response.json()["items"]}


@pytest.mark.usefixtures("indexed")
def test_the_filter_follows_the_threshold(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    create_shipment(client, org, reference="door", address={"text": "Mannerheimintie 1"})
    create_shipment(client, org, reference="street", address={"text": "Mannerheimintie"})
    create_shipment(client, org, reference="nowhere", address={"text": "asdf"})
    create_shipment(client, other_org, reference="theirs", address={"text": "asdf"})
    assert _listed(client, org, "true") == {"street", "nowhere"}
    assert _listed(client, org, "false") == {"door"}
    lowered = {"address_quality_threshold": 30}
    patched = client.patch("/api/v1/organization/settings", json=lowered, headers=org.headers)
    assert patched.status_code == 200, patched.text
    assert _listed(client, org, "true") == {"nowhere"}


def test_unjudged_addresses_do_not_need_attention(client: TestClient, org: OrgHandle) -> None:
    create_shipment(client, org, reference="unjudged")
    assert _listed(client, org, "true") == set()
    assert _listed(client, org, "false") == {"unjudged"}


def test_a_flag_that_is_not_a_boolean_names_the_parameter(
    client: TestClient, org: OrgHandle
) -> None:
    response = client.get("/api/v1/shipments?needs_attention=maybe", headers=org.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["needs_attention"]
