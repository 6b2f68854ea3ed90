"""An organisation may accept OsmAnd fixes only from device ids we issued: any other is
answered, dropped and counted as an unknown id, and the setting counts at once."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_driver

START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def _fix(client: TestClient, device: str, i: int, **headers: str) -> tuple[int, str, str]:
    stamp = int((START + timedelta(seconds=5 * i)).timestamp())
    query = f"id={device}&timestamp={stamp}&lat={60.17 + i * 1e-4}&lon=24.94"
    response = client.get(f"/ingest/osmand?{query}", headers=headers)
    return response.status_code, response.headers["content-type"], response.text


def _issued_ids_only(client: TestClient, org: OrgHandle, on: bool) -> None:
    changed = client.patch(
        "/api/v1/organization/settings", json={"osmand_issued_ids_only": on}, headers=org.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["osmand_issued_ids_only"] is on


def test_an_organisation_may_refuse_ids_it_did_not_issue(
    client: TestClient, org: OrgHandle
) -> None:
    driver = make_driver(client, org, "typed-by-hand")
    issue = client.post(f"/api/v1/drivers/{driver['id']}/device-ids", headers=org.headers)
    issued = issue.json()["device_id"]
    assert (
        client.get("/api/v1/organization/settings", headers=org.headers).json()[
            "osmand_issued_ids_only"
        ]
        is False
    ), "off by default"
    assert _fix(client, "typed-by-hand", 0)[0] == 200
    _issued_ids_only(client, org, True)

    unknown = _fix(client, "no-such-device", 1)
    assert _fix(client, "typed-by-hand", 1) == unknown, "answered exactly as an unknown id"
    assert _fix(client, "typed-by-hand", 2, **{"Idempotency-Key": "k"}) == unknown, "the app too"
    assert _fix(client, issued, 1)[0] == 200
    health = client.get("/healthz").json()["fix_path"]
    assert health["unknown_devices"] == 3, "its fixes are dropped and counted as unknown"
    assert health["stage_counters"]["fixes"] == 2, "only the issued device's fix is stored"
    native = client.post(
        "/api/v1/fixes",
        json={
            "device_id": "typed-by-hand",
            "fixes": [{"at": START.isoformat(), "lat": 60.17, "lon": 24.94}],
        },
        headers=org.headers,
    )
    assert native.status_code == 200, "an API key is a credential: its devices still count"

    _issued_ids_only(client, org, False)
    assert _fix(client, "typed-by-hand", 3)[0] == 200
    assert client.get("/healthz").json()["fix_path"]["stage_counters"]["fixes"] == 4
    entries = client.get("/api/v1/audit", headers=org.headers).json()["items"]
    changes = [e["after"] for e in entries if e["action"] == "settings.organization"]
    assert {"osmand_issued_ids_only": True} in changes
    assert {"osmand_issued_ids_only": False} in changes
