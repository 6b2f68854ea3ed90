from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.common import OrgHandle


def test_nul_in_a_json_string_is_422_naming_the_field(client: TestClient, org: OrgHandle) -> None:
    body = shipment_body(instructions="ring\u0000twice")
    response = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "instructions"
    listed = client.get("/api/v1/shipments", headers=org.headers).json()["items"]
    assert listed == []


def test_nul_in_a_query_parameter_is_422_naming_it(client: TestClient, org: OrgHandle) -> None:
    response = client.get("/api/v1/shipments?q=ab%00c", headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_ordinary_text_passes(client: TestClient, org: OrgHandle) -> None:
    body = shipment_body(instructions="leave at the door \\u0000 is just text here")
    assert client.post("/api/v1/shipments", json=body, headers=org.headers).status_code == 201
