from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle


def test_hub_crud(client: TestClient, org: OrgHandle) -> None:
    hours = {"mon": [["08:00", "18:00"]]}
    created = client.post("/api/v1/hubs", json=hub_body(opening_hours=hours), headers=org.headers)
    assert created.status_code == 201
    hub = created.json()
    assert hub["opening_hours"] == {"mon": [["08:00", "18:00"]]}

    patched = client.patch(
        f"/api/v1/hubs/{hub['id']}", json={"name": "HEL main", "lat": 60.2}, headers=org.headers
    )
    assert patched.json()["name"] == "HEL main"
    assert patched.json()["lat"] == 60.2
    assert [h["code"] for h in client.get("/api/v1/hubs", headers=org.headers).json()] == ["HEL1"]
    assert client.delete(f"/api/v1/hubs/{hub['id']}", headers=org.headers).status_code == 204
    assert client.get(f"/api/v1/hubs/{hub['id']}", headers=org.headers).status_code == 404


def test_duplicate_code_conflicts(client: TestClient, org: OrgHandle) -> None:
    client.post("/api/v1/hubs", json=hub_body(), headers=org.headers)
    again = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers)
    assert again.status_code == 409


def test_bad_hours_and_zone_name_the_field(client: TestClient, org: OrgHandle) -> None:
    body = hub_body(timezone="Mars/Olympus", opening_hours={"mon": [["18:00", "08:00"]]})
    response = client.post("/api/v1/hubs", json=body, headers=org.headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"timezone", "opening_hours"}
