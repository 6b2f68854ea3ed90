"""The phones' short way in: plain fix requests skip the app, everything else is the app's to
answer."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.common import OrgHandle, make_driver

from lastmile.db import Database
from lastmile.ingest import views
from lastmile.ingest.models import fixes
from lastmile.types import Fix

STAMP = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())


def _count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    calls: list[str] = []
    decode: Callable[..., list[Fix]] = getattr(views, name)

    def counted(*args: Any, **kwargs: Any) -> list[Fix]:
        calls.append("endpoint")
        return decode(*args, **kwargs)

    monkeypatch.setattr(views, name, counted)
    return calls


@pytest.fixture
def endpoint_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry each time the app's own OsmAnd endpoint decodes a request."""
    return _count_calls(monkeypatch, "decode_osmand_request")


@pytest.fixture
def batch_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry each time the app's own batch endpoint decodes a request."""
    return _count_calls(monkeypatch, "fixes_from_batch")


def _stored(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(fixes)).scalar_one())


def _query(device: str, seconds: int = 0, lat: str = "60.17") -> str:
    return f"/ingest/osmand?id={device}&timestamp={STAMP + seconds}&lat={lat}&lon=24.94"


def test_a_plain_fix_is_stored_without_the_endpoint(
    client: TestClient, org: OrgHandle, db: Database, endpoint_calls: list[str]
) -> None:
    driver = make_driver(client, org, "fast-1")
    assert client.get(_query("fast-1")).status_code == 200
    form = {"id": "fast-1", "timestamp": str(STAMP + 5), "lat": "60.1705", "lon": "24.9405"}
    posted = client.post("/ingest/osmand", data=form)

    assert posted.status_code == 200
    assert endpoint_calls == []
    assert _stored(db) == 2
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["lat"] == pytest.approx(60.1705, abs=2e-4)


def test_bad_or_unusual_requests_get_the_apps_own_answer(
    client: TestClient, org: OrgHandle, db: Database, endpoint_calls: list[str]
) -> None:
    make_driver(client, org, "fast-2")

    unknown = client.get(_query("nobody"))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    bad_lat = client.get(_query("fast-2", lat="91"))
    assert bad_lat.status_code == 422
    assert bad_lat.json()["errors"][0]["field"] == "lat"
    assert client.get("/ingest/osmand?lat=60.17&lon=24.94").status_code == 400
    assert endpoint_calls == ["endpoint"] * 3

    nul = client.get(_query("fast-2") + "&note=a%00b")
    assert nul.status_code == 422
    assert "NUL" in nul.json()["detail"]
    assert _stored(db) == 0

    key = {"Idempotency-Key": "fast-2-once"}
    first = client.post(_query("fast-2", 10), headers=key)
    again = client.post(_query("fast-2", 10), headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"
    assert endpoint_calls == ["endpoint"] * 4
    assert _stored(db) == 1


def test_a_failure_while_storing_is_a_problem_response(
    app: FastAPI, client: TestClient, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_driver(client, org, "fast-3")

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.state.ingestor, "ingest", broken)
    response = client.get(_query("fast-3"))

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "disk on fire" not in response.text


def _batch(device: str, seconds: int = 0, lat: float = 60.17) -> dict[str, Any]:
    at = datetime.fromtimestamp(STAMP + seconds, UTC).isoformat()
    return {"device_id": device, "fixes": [{"at": at, "lat": lat, "lon": 24.94}]}


def _new_key(client: TestClient, org: OrgHandle) -> tuple[dict[str, str], str]:
    """Headers with a key this process has not verified yet, and the key's id."""
    created = client.post("/api/v1/api-keys", json={"name": "phone"}, headers=org.headers).json()
    return {"Authorization": f"Bearer {created['key']}"}, created["id"]


def test_a_batch_with_a_key_verified_moments_ago_skips_the_endpoint(
    client: TestClient, org: OrgHandle, db: Database, batch_calls: list[str]
) -> None:
    driver = make_driver(client, org, "batch-1")
    phone, _ = _new_key(client, org)
    first = client.post("/api/v1/fixes", json=_batch("batch-1"), headers=phone)
    assert batch_calls == ["endpoint"]
    second = client.post("/api/v1/fixes", json=_batch("batch-1", 5, 60.1705), headers=phone)

    assert (first.status_code, second.status_code) == (200, 200)
    assert batch_calls == ["endpoint"]
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert second.json() == first.json() == {"accepted": 1, "late": 0, "rejected": {}}
    assert _stored(db) == 2
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["lat"] == pytest.approx(60.1705, abs=2e-4)


def test_bad_or_unusual_batches_get_the_apps_own_answer(
    client: TestClient,
    org: OrgHandle,
    other_org: OrgHandle,
    db: Database,
    batch_calls: list[str],
) -> None:
    make_driver(client, org, "batch-2")
    make_driver(client, other_org, "theirs")
    assert client.post("/api/v1/fixes", json=_batch("batch-2"), headers=org.headers).is_success
    calls = len(batch_calls)

    bad_lat = client.post("/api/v1/fixes", json=_batch("batch-2", 1, 91.0), headers=org.headers)
    assert bad_lat.status_code == 422
    assert bad_lat.json()["errors"][0]["field"] == "fixes[0].lat"
    theirs = client.post("/api/v1/fixes", json=_batch("theirs", 2), headers=org.headers)
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    assert batch_calls == ["endpoint"] * (calls + 1)

    nul = _batch("batch-2", 3)
    nul["fixes"][0]["attributes"] = {"note": "a\x00b"}
    refused = client.post("/api/v1/fixes", json=nul, headers=org.headers)
    assert refused.status_code == 422
    assert "NUL" in refused.json()["detail"]
    wrong_key = client.post(
        "/api/v1/fixes", json=_batch("batch-2", 4), headers={"Authorization": "Bearer lm_nope"}
    )
    assert wrong_key.status_code == 401
    assert _stored(db) == 1

    key = {**org.headers, "Idempotency-Key": "batch-2-once"}
    first = client.post("/api/v1/fixes", json=_batch("batch-2", 10), headers=key)
    again = client.post("/api/v1/fixes", json=_batch("batch-2", 10), headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"
    assert _stored(db) == 2


def test_a_revoked_key_is_refused_at_once(client: TestClient, org: OrgHandle, db: Database) -> None:
    make_driver(client, org, "batch-3")
    phone, key_id = _new_key(client, org)
    assert client.post("/api/v1/fixes", json=_batch("batch-3"), headers=phone).is_success

    revoked = client.delete(f"/api/v1/api-keys/{key_id}", headers=org.headers)
    assert revoked.status_code == 204
    refused = client.post("/api/v1/fixes", json=_batch("batch-3", 5), headers=phone)

    assert refused.status_code == 401
    assert _stored(db) == 1
