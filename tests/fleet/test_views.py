from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_driver

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.db import Database


def test_driver_with_devices(client: TestClient, org: OrgHandle) -> None:
    driver = make_driver(client, org, "phone-1", "tracker-9")
    assert driver["device_ids"] == ["phone-1", "tracker-9"]
    assert driver["on_shift"] is False
    fetched = client.get(f"/api/v1/drivers/{driver['id']}", headers=org.headers).json()
    assert fetched == driver

    patched = client.patch(
        f"/api/v1/drivers/{driver['id']}", json={"device_ids": ["phone-2"]}, headers=org.headers
    ).json()
    assert patched["device_ids"] == ["phone-2"]


def test_a_device_belongs_to_one_driver(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    make_driver(client, org, "shared-phone")
    again = client.post(
        "/api/v1/drivers",
        json={"name": "B", "device_ids": ["shared-phone"]},
        headers=other_org.headers,
    )
    assert again.status_code == 409


def test_bad_driver_fields_are_named(client: TestClient, org: OrgHandle) -> None:
    response = client.post(
        "/api/v1/drivers",
        json={"name": "", "phone": "12", "device_ids": ["ok", "no spaces"]},
        headers=org.headers,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "phone", "device_ids[1]"}


def test_vehicles_and_shifts(client: TestClient, org: OrgHandle) -> None:
    driver = make_driver(client, org, "p-1")
    vehicle = client.post(
        "/api/v1/vehicles",
        json={
            "plate": "ABC-123",
            "capacity_kg": 800,
            "capacity_parcels": 120,
            "skills": ["cold_chain"],
        },
        headers=org.headers,
    ).json()
    base = f"/api/v1/drivers/{driver['id']}/shifts"
    started = client.post(
        f"{base}/start",
        json={"vehicle_id": vehicle["id"], "odometer_km": 1200.5},
        headers=org.headers,
    )
    assert started.status_code == 201
    assert client.get(f"/api/v1/drivers/{driver['id']}", headers=org.headers).json()["on_shift"]
    assert client.post(f"{base}/start", json={}, headers=org.headers).status_code == 409

    other = make_driver(client, org, "p-2", name="Other")
    busy = client.post(
        f"/api/v1/drivers/{other['id']}/shifts/start",
        json={"vehicle_id": vehicle["id"]},
        headers=org.headers,
    )
    assert busy.status_code == 409

    backwards = client.post(f"{base}/end", json={"odometer_km": 1000}, headers=org.headers)
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "odometer_km"
    ended = client.post(f"{base}/end", json={"odometer_km": 1288}, headers=org.headers).json()
    assert ended["ended_at"] is not None
    assert ended["odometer_end_km"] == 1288
    assert len(client.get(base, headers=org.headers).json()) == 1


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.ADMIN, 201), (Role.DISPATCHER, 201), (Role.DRIVER, 403)]
)
def test_only_staff_put_a_driver_on_shift(
    client: TestClient, org: OrgHandle, db: Database, role: Role, expected: int
) -> None:
    driver = make_driver(client, org, f"shift-{role.value}")
    with db.session() as session:
        _, key = auth.create_api_key(session=session, org_id=org.org_id, name=role, role=role)
        session.commit()
    started = client.post(
        f"/api/v1/drivers/{driver['id']}/shifts/start",
        json={},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert started.status_code == expected, started.text
    on_shift = client.get(f"/api/v1/drivers/{driver['id']}", headers=org.headers).json()
    assert on_shift["on_shift"] is (expected == 201)


def test_fleet_is_invisible_across_organisations(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    driver = make_driver(client, other_org, "theirs")
    mine = org.headers
    assert client.get(f"/api/v1/drivers/{driver['id']}", headers=mine).status_code == 404
    assert client.get(f"/api/v1/drivers/{driver['id']}/position", headers=mine).status_code == 404
    assert client.get("/api/v1/drivers", headers=mine).json() == []
    shift = client.post(f"/api/v1/drivers/{driver['id']}/shifts/start", json={}, headers=mine)
    assert shift.status_code == 404


def test_an_issued_device_id_is_long_random_and_moves_its_driver(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    driver = make_driver(client, org, "phone-1")
    issue = f"/api/v1/drivers/{driver['id']}/device-ids"
    first = client.post(issue, headers=org.headers)
    second = client.post(issue, headers=org.headers)
    assert first.status_code == second.status_code == 201, first.text
    issued = first.json()["device_id"]
    assert issued.startswith("lm-")
    assert len(issued) >= 24
    assert issued != second.json()["device_id"]
    listed = client.get(f"/api/v1/drivers/{driver['id']}", headers=org.headers).json()
    assert listed["device_ids"] == sorted(["phone-1", issued, second.json()["device_id"]])

    at = datetime.now(UTC).replace(microsecond=0)
    sent = client.get(
        "/ingest/osmand",
        params={"id": issued, "timestamp": int(at.timestamp()), "lat": 60.17, "lon": 24.94},
    )
    assert sent.status_code == 200
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers)
    assert position.status_code == 200, position.text
    assert datetime.fromisoformat(position.json()["at"]) == at

    assert client.post(issue, headers=other_org.headers).status_code == 404
