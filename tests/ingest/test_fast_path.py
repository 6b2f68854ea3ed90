"""The phones' short way in: plain fix requests skip the app, everything else is the app's to
answer, and each one handed on is counted by reason."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.common import OrgHandle, make_driver

from lastmile.db import Database
from lastmile.ingest import fast_path
from lastmile.ingest.fast_path import FastPathCounts
from lastmile.ingest.models import fixes

STAMP = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())


def counts(app: FastAPI) -> FastPathCounts:
    """The fast path's counters, as `GET /healthz` shows them."""
    found: FastPathCounts = app.state.fast_path
    return found


def _stored(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(fixes)).scalar_one())


def _query(device: str, seconds: int = 0, lat: str = "60.17") -> str:
    return f"/ingest/osmand?id={device}&timestamp={STAMP + seconds}&lat={lat}&lon=24.94"


def test_a_plain_fix_is_stored_without_the_endpoint(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    driver = make_driver(client, org, "fast-1")
    assert client.get(_query("fast-1")).status_code == 200
    form = {"id": "fast-1", "timestamp": str(STAMP + 5), "lat": "60.1705", "lon": "24.9405"}
    posted = client.post("/ingest/osmand", data=form)
    offline = {
        "device_id": "fast-1",
        "location": [
            {
                "timestamp": datetime.fromtimestamp(STAMP + 10, UTC).isoformat(),
                "coords": {"latitude": 60.171, "longitude": 24.941},
            }
        ],
    }
    sent_later = client.post("/ingest/osmand", json=offline)

    assert (posted.status_code, sent_later.status_code) == (200, 200)
    assert counts(app).as_dict() == {"taken": 3, "fallbacks": {}}
    assert _stored(db) == 3
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["lat"] == pytest.approx(60.171, abs=2e-4)


def test_bad_or_unusual_requests_get_the_apps_own_answer(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    make_driver(client, org, "fast-2")

    unknown = client.get(_query("nobody"))
    assert unknown.status_code == 200, "answered as a known id: ids cannot be probed"
    assert _stored(db) == 0
    bad_lat = client.get(_query("fast-2", lat="91"))
    assert bad_lat.status_code == 422
    assert bad_lat.json()["errors"][0]["field"] == "lat"
    assert client.get("/ingest/osmand?lat=60.17&lon=24.94").status_code == 400
    assert counts(app).fallbacks == {"invalid_fix": 1, "decode_error": 1}

    nul = client.get(_query("fast-2") + "&note=a%00b")
    assert nul.status_code == 422
    assert "NUL" in nul.json()["detail"]
    assert _stored(db) == 0

    key = {"Idempotency-Key": "fast-2-once"}
    first = client.post(_query("fast-2", 10), headers=key)
    again = client.post(_query("fast-2", 10), headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"
    assert counts(app).taken == 1, "the unknown id's request, answered and dropped"
    assert counts(app).fallbacks["nul"] == 1
    assert counts(app).fallbacks["idempotency_key"] == 2
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


def test_an_unexpected_failure_is_logged_counted_and_answered_by_the_app(
    app: FastAPI,
    client: TestClient,
    org: OrgHandle,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_driver(client, org, "fast-4")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug of the fast path's own")

    monkeypatch.setattr(fast_path, "QueryParams", broken)
    with caplog.at_level(logging.ERROR, logger=fast_path.__name__):
        answered = client.get(_query("fast-4"))

    assert answered.status_code == 200
    assert _stored(db) == 1
    assert counts(app).as_dict() == {"taken": 0, "fallbacks": {"error": 1}}
    assert [r.exc_info is not None for r in caplog.records] == [True]


def test_healthz_shows_the_counts(app: FastAPI, client: TestClient, org: OrgHandle) -> None:
    make_driver(client, org, "fast-5")
    client.get(_query("fast-5"))
    client.get(_query("nobody"))

    health = client.get("/healthz").json()

    assert health["fast_path"] == {"taken": 2, "fallbacks": {}}
    assert health["fix_path"]["unknown_devices"] == 1


def batch(device: str, seconds: int = 0, lat: float = 60.17) -> dict[str, Any]:
    at = datetime.fromtimestamp(STAMP + seconds, UTC).isoformat()
    return {"device_id": device, "fixes": [{"at": at, "lat": lat, "lon": 24.94}]}


def _new_key(client: TestClient, org: OrgHandle) -> tuple[dict[str, str], str]:
    """Headers with a key this process has not verified yet, and the key's id."""
    created = client.post("/api/v1/api-keys", json={"name": "phone"}, headers=org.headers).json()
    return {"Authorization": f"Bearer {created['key']}"}, created["id"]


def test_a_batch_with_a_key_verified_moments_ago_skips_the_endpoint(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    driver = make_driver(client, org, "batch-1")
    phone, _ = _new_key(client, org)
    first = client.post("/api/v1/fixes", json=batch("batch-1"), headers=phone)
    assert counts(app).as_dict() == {"taken": 0, "fallbacks": {"unknown_credential": 1}}
    second = client.post("/api/v1/fixes", json=batch("batch-1", 5, 60.1705), headers=phone)

    assert (first.status_code, second.status_code) == (200, 200)
    assert counts(app).taken == 1
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert second.json() == first.json() == {"accepted": 1, "late": 0, "rejected": {}}
    assert _stored(db) == 2
    position = client.get(f"/api/v1/drivers/{driver['id']}/position", headers=org.headers).json()
    assert position["lat"] == pytest.approx(60.1705, abs=2e-4)


def test_bad_or_unusual_batches_get_the_apps_own_answer(
    app: FastAPI, client: TestClient, org: OrgHandle, other_org: OrgHandle, db: Database
) -> None:
    make_driver(client, org, "batch-2")
    make_driver(client, other_org, "theirs")
    assert client.post("/api/v1/fixes", json=batch("batch-2"), headers=org.headers).is_success
    assert counts(app).as_dict() == {"taken": 1, "fallbacks": {}}

    bad_lat = client.post("/api/v1/fixes", json=batch("batch-2", 1, 91.0), headers=org.headers)
    assert bad_lat.status_code == 422
    assert bad_lat.json()["errors"][0]["field"] == "fixes[0].lat"
    theirs = client.post("/api/v1/fixes", json=batch("theirs", 2), headers=org.headers)
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    assert counts(app).fallbacks == {"invalid_fix": 1, "other_org_device": 1}

    nul = batch("batch-2", 3)
    nul["fixes"][0]["attributes"] = {"note": "a\x00b"}
    refused = client.post("/api/v1/fixes", json=nul, headers=org.headers)
    assert refused.status_code == 422
    assert "NUL" in refused.json()["detail"]
    wrong_key = client.post(
        "/api/v1/fixes", json=batch("batch-2", 4), headers={"Authorization": "Bearer lm_nope"}
    )
    assert wrong_key.status_code == 401
    assert _stored(db) == 1

    key = {**org.headers, "Idempotency-Key": "batch-2-once"}
    first = client.post("/api/v1/fixes", json=batch("batch-2", 10), headers=key)
    again = client.post("/api/v1/fixes", json=batch("batch-2", 10), headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"
    assert _stored(db) == 2
    assert counts(app).as_dict() == {
        "taken": 1,
        "fallbacks": {
            "idempotency_key": 2,
            "invalid_fix": 1,
            "nul": 1,
            "other_org_device": 1,
            "unknown_credential": 1,
        },
    }


def test_a_revoked_key_is_refused_at_once(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    make_driver(client, org, "batch-3")
    phone, key_id = _new_key(client, org)
    assert client.post("/api/v1/fixes", json=batch("batch-3"), headers=phone).is_success

    revoked = client.delete(f"/api/v1/api-keys/{key_id}", headers=org.headers)
    assert revoked.status_code == 204
    refused = client.post("/api/v1/fixes", json=batch("batch-3", 5), headers=phone)

    assert refused.status_code == 401
    assert _stored(db) == 1
    assert counts(app).fallbacks == {"unknown_credential": 2}
