"""Hubs, drivers, devices, vehicles, shifts started or ended by staff, driver PINs and sign-in
links: each change leaves one entry naming what changed, and never a secret (a PIN, a
sign-in link's token, a whole device id)."""

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.audit.test_views import audit, only
from tests.common import OrgHandle

IMEI = "358240051111110"


def test_a_hub_added_changed_and_removed(client: TestClient, org: OrgHandle) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    changed = client.patch(
        f"/api/v1/hubs/{hub['id']}", json={"name": "Pasila depot"}, headers=org.headers
    )
    assert changed.status_code == 200, changed.text
    assert client.delete(f"/api/v1/hubs/{hub['id']}", headers=org.headers).status_code == 204

    entries = audit(client, org, subject_type="hub", subject_id=hub["id"])
    assert [e["action"] for e in entries] == ["hub.delete", "hub.update", "hub.create"]
    assert entries[2]["after"]["code"] == "HEL1"
    assert entries[2]["text"] == "added the hub Helsinki hub (HEL1)"
    assert (entries[1]["before"], entries[1]["after"]) == (
        {"name": "Helsinki hub"},
        {"name": "Pasila depot"},
    )
    assert entries[1]["text"] == (
        "changed the hub Pasila depot (HEL1): name Helsinki hub → Pasila depot"
    )
    assert entries[0]["before"]["name"] == "Pasila depot"
    assert entries[0]["text"] == "removed the hub Pasila depot (HEL1)"


def test_a_driver_their_devices_pin_and_sign_in_link_without_secrets(
    client: TestClient, org: OrgHandle
) -> None:
    driver = client.post(
        "/api/v1/drivers",
        json={"name": "Aino", "phone": "+358401112223", "device_ids": [IMEI]},
        headers=org.headers,
    ).json()
    issued = client.post(f"/api/v1/drivers/{driver['id']}/device-ids", headers=org.headers)
    assert issued.status_code == 201, issued.text
    device_id = issued.json()["device_id"]
    pin = client.put(
        f"/api/v1/drivers/{driver['id']}/pin", json={"pin": "9035"}, headers=org.headers
    )
    assert pin.status_code == 204, pin.text
    link = client.post(f"/api/v1/drivers/{driver['id']}/signin-links", headers=org.headers)
    assert link.status_code == 201, link.text
    token = link.json()["url"].split("#link=")[1]
    renamed = client.patch(
        f"/api/v1/drivers/{driver['id']}",
        json={"name": "Aino K.", "active": False},
        headers=org.headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert client.delete(f"/api/v1/drivers/{driver['id']}", headers=org.headers).status_code == 204

    entries = audit(client, org, subject_type="driver", subject_id=driver["id"])
    assert [e["action"] for e in entries] == [
        "driver.delete",
        "driver.update",
        "driver.signin_link",
        "driver.pin",
        "driver.device_id",
        "driver.create",
    ]
    created = entries[5]
    assert created["after"]["devices"] == ["…1110"]
    assert created["text"] == "added the driver Aino"
    assert entries[4]["after"] == {"device": f"…{device_id[-4:]}"}
    assert entries[3]["text"] == "set a new PIN for the driver Aino"
    assert (entries[3]["before"], entries[3]["after"]) == (None, None)
    assert list(entries[2]["after"]) == ["expires_at"]
    assert (entries[1]["before"], entries[1]["after"]) == (
        {"name": "Aino", "active": True},
        {"name": "Aino K.", "active": False},
    )
    assert entries[0]["before"]["devices"] == sorted(["…1110", f"…{device_id[-4:]}"])
    shown = str(audit(client, org))
    for secret in ("9035", token, device_id, IMEI):
        assert secret not in shown


def test_a_vehicle_added_changed_and_removed(client: TestClient, org: OrgHandle) -> None:
    van = client.post(
        "/api/v1/vehicles", json={"plate": "ABC-123", "capacity_kg": 500}, headers=org.headers
    ).json()
    changed = client.patch(
        f"/api/v1/vehicles/{van['id']}", json={"capacity_kg": 650}, headers=org.headers
    )
    assert changed.status_code == 200, changed.text
    unchanged = client.patch(
        f"/api/v1/vehicles/{van['id']}", json={"capacity_kg": 650}, headers=org.headers
    )
    assert unchanged.status_code == 200, unchanged.text
    assert client.delete(f"/api/v1/vehicles/{van['id']}", headers=org.headers).status_code == 204

    entries = audit(client, org, subject_type="vehicle")
    assert [e["action"] for e in entries] == ["vehicle.delete", "vehicle.update", "vehicle.create"]
    assert entries[1]["text"] == "changed the vehicle ABC-123: capacity_kg 500.0 → 650.0"
    assert entries[2]["text"] == "added the vehicle ABC-123"


def test_a_dispatcher_starting_and_ending_a_shift(client: TestClient, org: OrgHandle) -> None:
    driver = client.post("/api/v1/drivers", json={"name": "Aino"}, headers=org.headers).json()
    van = client.post("/api/v1/vehicles", json={"plate": "ABC-123"}, headers=org.headers).json()
    started = client.post(
        f"/api/v1/drivers/{driver['id']}/shifts/start",
        json={"vehicle_id": van["id"], "odometer_km": 1200},
        headers=org.headers,
    )
    assert started.status_code == 201, started.text
    ended = client.post(
        f"/api/v1/drivers/{driver['id']}/shifts/end",
        json={"odometer_km": 1260},
        headers=org.headers,
    )
    assert ended.status_code == 200, ended.text

    entries = audit(client, org, subject_type="driver", subject_id=driver["id"])
    assert [e["action"] for e in entries] == ["shift.end", "shift.start", "driver.create"]
    assert entries[1]["after"]["vehicle_id"] == van["id"]
    assert entries[1]["after"]["odometer_start_km"] == 1200
    assert entries[1]["text"] == "started a shift for the driver Aino"
    assert entries[0]["after"]["odometer_end_km"] == 1260
    assert entries[0]["text"] == "ended the shift of the driver Aino"


def test_the_driver_app_settings(client: TestClient, org: OrgHandle) -> None:
    settings = client.get("/api/v1/driver-app/settings", headers=org.headers).json()
    settings["open_stops_at_shift_end"] = "next_day"
    saved = client.put("/api/v1/driver-app/settings", json=settings, headers=org.headers)
    assert saved.status_code == 200, saved.text
    entry = only(audit(client, org), "settings.driver_app")
    assert entry["after"] == {"open_stops_at_shift_end": "next_day"}
    assert entry["text"].startswith("changed the driver app's settings: open_stops_at_shift_end ")
