import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.common import OrgHandle, make_driver

from lastmile.db import Database
from lastmile.ingest.models import fixes

START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def _fix(i: int, *, lat: float = 60.1699, lon: float = 24.9384, **extra: Any) -> dict[str, Any]:
    return {
        "at": (START + timedelta(seconds=5 * i)).isoformat(),
        "lat": lat + i * 0.0001,
        "lon": lon,
        "accuracy_m": 8,
        "speed_mps": 2.2,
        **extra,
    }


def _stored(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(fixes)) or 0)


def _post(client: TestClient, org: OrgHandle, device: str, items: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/fixes", json={"device_id": device, "fixes": items}, headers=org.headers
    )


def test_native_batch_is_stored_and_moves_the_position(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    driver = make_driver(client, org, "app-1")
    response = _post(client, org, "app-1", [_fix(i) for i in range(20)])
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 20, "late": 0, "rejected": {}}
    assert _stored(db) == 20

    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["at"] == (START + timedelta(seconds=95)).isoformat().replace("+00:00", "Z")
    assert position["lat"] == pytest.approx(60.1699 + 19 * 0.0001, abs=1e-6)
    assert set(position) >= {"lat", "lon", "at", "speed_mps", "heading_deg", "accuracy_m"}
    fleet = client.get("/api/v1/fleet/positions", headers=org.headers).json()
    assert [p["driver_id"] for p in fleet] == [driver["id"]]


def test_a_resent_batch_is_stored_once(client: TestClient, org: OrgHandle, db: Database) -> None:
    make_driver(client, org, "app-2")
    batch = [_fix(i) for i in range(10)]
    assert _post(client, org, "app-2", batch).status_code == 200
    assert _post(client, org, "app-2", batch).status_code == 200
    assert _stored(db) == 10


def test_late_fixes_go_to_history_without_moving_the_position(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    driver = make_driver(client, org, "app-3")
    _post(client, org, "app-3", [_fix(i) for i in range(10, 20)])
    late = _post(client, org, "app-3", [_fix(i) for i in range(0, 5)]).json()
    assert late["late"] == 5
    assert _stored(db) == 15
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["at"].startswith((START + timedelta(seconds=95)).strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_multipath_jump_is_rejected_and_counted(client: TestClient, org: OrgHandle) -> None:
    make_driver(client, org, "app-4")
    batch = [_fix(i) for i in range(6)]
    batch[3] = _fix(3, lat=60.3)
    result = _post(client, org, "app-4", batch).json()
    assert result["accepted"] == 5
    assert sum(result["rejected"].values()) == 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"lat": 91.0}, "fixes[2].lat"),
        ({"lon": "east"}, "fixes[2].lon"),
        ({"accuracy_m": -3}, "fixes[2].accuracy_m"),
        ({"at": "yesterday-ish"}, "fixes[2].at"),
    ],
)
def test_a_bad_fix_refuses_the_whole_batch_naming_it(
    client: TestClient, org: OrgHandle, db: Database, bad: dict[str, Any], field: str
) -> None:
    make_driver(client, org, "app-5")
    batch = [_fix(i) for i in range(5)]
    batch[2].update(bad)
    response = _post(client, org, "app-5", batch)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert _stored(db) == 0


def test_future_missing_nan_truncated_and_huge_payloads_are_4xx(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    make_driver(client, org, "app-6")
    tomorrow = _fix(0, at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    assert _post(client, org, "app-6", [tomorrow]).status_code == 422
    missing = _fix(0)
    del missing["lat"]
    assert _post(client, org, "app-6", [missing]).status_code == 422
    headers = {**org.headers, "content-type": "application/json"}
    nan = b'{"device_id": "app-6", "fixes": [{"at": "2026-01-01T00:00:00Z", "lat": NaN, "lon": 1}]}'
    assert client.post("/api/v1/fixes", content=nan, headers=headers).status_code in (400, 422)
    truncated = b'{"device_id": "app-6", "fixes": [{"at": "2026-'
    assert client.post("/api/v1/fixes", content=truncated, headers=headers).status_code == 400
    huge = b'{"device_id": "app-6", "fixes": [' + b" " * 10_000_000 + b"]}"
    assert client.post("/api/v1/fixes", content=huge, headers=headers).status_code == 413
    too_many = [_fix(i) for i in range(1001)]
    assert _post(client, org, "app-6", too_many).status_code == 422
    assert _stored(db) == 0


def test_another_organisations_device_is_unknown(
    client: TestClient, org: OrgHandle, other_org: OrgHandle, db: Database
) -> None:
    make_driver(client, other_org, "theirs")
    assert _post(client, org, "theirs", [_fix(0)]).status_code == 404
    assert _stored(db) == 0


def test_osmand_query_form_and_any_method(client: TestClient, org: OrgHandle, db: Database) -> None:
    driver = make_driver(client, org, "864333041234567")
    stamp = int((START + timedelta(minutes=1)).timestamp())
    query = f"id=864333041234567&timestamp={stamp}&lat=60.17&lon=24.94&speed=10&bearing=90&batt=88"
    assert client.get(f"/ingest/osmand?{query}").status_code == 200
    form = f"deviceid=864333041234567&timestamp={stamp + 5}&location=60.1702,24.9401&accuracy=5"
    posted = client.post(
        "/ingest/osmand",
        content=form,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200
    assert _stored(db) == 2
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["lat"] == pytest.approx(60.1702, abs=2e-4)


def test_osmand_speed_is_knots(client: TestClient, org: OrgHandle) -> None:
    driver = make_driver(client, org, "knots-1")
    stamp = int(START.timestamp())
    client.get(f"/ingest/osmand?id=knots-1&timestamp={stamp}&lat=60.17&lon=24.94&speed=10")
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["speed_mps"] == pytest.approx(5.144, abs=0.001)


def test_osmand_json_variant(client: TestClient, org: OrgHandle, db: Database) -> None:
    make_driver(client, org, "tc-json")
    body = {
        "device_id": "tc-json",
        "location": {
            "timestamp": START.isoformat(),
            "coords": {
                "latitude": 60.17,
                "longitude": 24.94,
                "speed": -1,
                "heading": -1,
                "accuracy": 12,
                "altitude": 20,
            },
            "is_moving": True,
            "battery": {"level": 0.66, "is_charging": False},
        },
    }
    response = client.post(
        "/ingest/osmand", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert _stored(db) == 1


def test_osmand_errors(client: TestClient, org: OrgHandle) -> None:
    missing_id = client.get("/ingest/osmand?lat=60.17&lon=24.94&timestamp=1700000000")
    assert missing_id.status_code == 400
    assert missing_id.json()["errors"][0]["field"] == "id"
    unknown = client.get(
        f"/ingest/osmand?id=nobody&lat=60.17&lon=24.94&timestamp={int(START.timestamp())}"
    )
    assert unknown.status_code == 200, "an unknown id is answered as a known one"
    make_driver(client, org, "bad-lat")
    bad = client.get(
        f"/ingest/osmand?id=bad-lat&lat=91&lon=24.94&timestamp={int(START.timestamp())}"
    )
    assert bad.status_code == 422


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"owntracks:{key}".encode()).decode()


def test_owntracks_http(client: TestClient, org: OrgHandle, db: Database) -> None:
    driver = make_driver(client, org, "anna/phone")
    payload = {
        "_type": "location",
        "lat": 60.17,
        "lon": 24.94,
        "tst": int(START.timestamp()),
        "acc": 9,
        "vel": 36,
        "cog": 180,
        "batt": 77,
        "t": "u",
        "tid": "an",
    }
    headers = {"Authorization": _basic(org.api_key), "X-Limit-U": "anna", "X-Limit-D": "phone"}
    response = client.post("/ingest/owntracks", json=payload, headers=headers)
    assert response.status_code == 200
    assert response.json() == []
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["speed_mps"] == pytest.approx(10.0)
    assert position["heading_deg"] == 180

    transition = {"_type": "transition", "event": "enter", "tst": int(START.timestamp())}
    assert (
        client.post(
            "/ingest/owntracks?u=anna&d=phone",
            json=transition,
            headers={"Authorization": _basic(org.api_key)},
        ).json()
        == []
    )
    assert _stored(db) == 1
    assert (
        client.post("/ingest/owntracks", json=payload, headers={"X-Limit-U": "anna"}).status_code
        == 401
    )
    wrong_key = {**headers, "Authorization": _basic("lm_nope_nope")}
    assert client.post("/ingest/owntracks", json=payload, headers=wrong_key).status_code == 401


def test_a_phone_counts_as_soon_as_it_is_registered(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    stamp = int(START.timestamp())
    early = f"/ingest/osmand?id=new-phone&lat=60.17&lon=24.94&timestamp={stamp}"
    assert client.get(early).status_code == 200  # dropped: no one has this device yet
    assert _stored(db) == 0
    make_driver(client, org, "new-phone")
    assert client.get(early.replace(str(stamp), str(stamp + 5))).status_code == 200
    assert _stored(db) == 1
