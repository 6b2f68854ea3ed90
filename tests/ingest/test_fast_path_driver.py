"""The driver app's fixes (`POST /api/v1/driver/fixes`) on the short way in: a session verified
moments ago is taken, anything else is the app's to answer, counted by reason."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle, make_driver
from tests.ingest.test_fast_path import batch, counts

from lastmile.db import Database
from lastmile.ingest.models import fixes

PIN = "4821"
PATH = "/api/v1/driver/fixes"


def _signed_in(client: TestClient, org: OrgHandle, phone: str) -> tuple[str, dict[str, str]]:
    """A new driver with a PIN, signed in to the app: their id and the app's headers."""
    driver = client.post(
        "/api/v1/drivers", json={"name": f"Driver {phone}", "phone": phone}, headers=org.headers
    )
    assert driver.status_code == 201, driver.text
    driver_id = driver.json()["id"]
    pin = client.put(f"/api/v1/drivers/{driver_id}/pin", json={"pin": PIN}, headers=org.headers)
    assert pin.status_code == 204, pin.text
    session = client.post("/api/v1/driver/session", json={"phone": phone, "pin": PIN})
    assert session.status_code == 201, session.text
    return driver_id, {"Authorization": f"Bearer {session.json()['token']}"}


def _tracks(db: Database) -> list[tuple[str, str, str]]:
    """(organisation, driver, device) of every stored fix, oldest first."""
    with db.session() as session:
        rows = session.execute(
            select(fixes.c.org_id, fixes.c.driver_id, fixes.c.device_id).order_by(fixes.c.at)
        )
        return [(str(org), str(driver), device) for org, driver, device in rows]


def _position(client: TestClient, org: OrgHandle, driver_id: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get(
        f"/api/v1/drivers/{driver_id}/position", headers=org.headers
    ).json()
    return found


def test_the_apps_fixes_take_the_fast_path(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    driver_id, phone = _signed_in(client, org, "+358401000001")
    first = client.post(PATH, json=batch("app-install-1"), headers=phone)
    assert counts(app).as_dict() == {"taken": 0, "fallbacks": {"unknown_credential": 1}}
    second = client.post(PATH, json=batch("app-install-1", 5, 60.1705), headers=phone)
    third = client.post(PATH, json=batch("app-install-1", 10, 60.171), headers=phone)

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert counts(app).as_dict() == {"taken": 2, "fallbacks": {"unknown_credential": 1}}
    assert third.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert third.json() == first.json() == {"accepted": 1, "late": 0, "rejected": {}}
    assert _tracks(db) == [(str(org.org_id), driver_id, "app-install-1")] * 3
    assert _position(client, org, driver_id)["lat"] == pytest.approx(60.171, abs=2e-4)


def test_bad_or_unusual_app_batches_get_the_apps_own_answer(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    _, phone = _signed_in(client, org, "+358401000002")
    assert client.post(PATH, json=batch("app-2"), headers=phone).is_success
    before = counts(app).fallbacks.copy()

    bad_lat = client.post(PATH, json=batch("app-2", 1, 91.0), headers=phone)
    assert bad_lat.status_code == 422
    assert bad_lat.headers["content-type"] == "application/problem+json"
    assert bad_lat.json()["errors"][0]["field"] == "fixes[0].lat"
    truncated = client.post(PATH, content=b'{"device_id": "app-2", "fix', headers=phone | _json())
    assert truncated.status_code == 400
    nul = batch("app-2", 2)
    nul["fixes"][0]["attributes"] = {"note": "a\x00b"}
    refused = client.post(PATH, json=nul, headers=phone)
    assert refused.status_code == 422
    assert "NUL" in refused.json()["detail"]
    chunked = client.post(
        PATH, content=iter([b'{"device_id": "app-2", ', b'"fixes": []}']), headers=phone | _json()
    )
    assert chunked.status_code == 422
    once = phone | {"Idempotency-Key": "app-2-once"}
    first = client.post(PATH, json=batch("app-2", 3), headers=once)
    again = client.post(PATH, json=batch("app-2", 3), headers=once)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"

    assert len(_tracks(db)) == 2
    assert counts(app).fallbacks - before == {
        "invalid_fix": 1,
        "decode_error": 1,
        "nul": 1,
        "chunked": 1,
        "idempotency_key": 2,
    }


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def test_an_ended_session_is_refused_at_once(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    _, phone = _signed_in(client, org, "+358401000003")
    assert client.post(PATH, json=batch("app-3"), headers=phone).is_success
    assert client.post(PATH, json=batch("app-3", 5), headers=phone).is_success
    assert counts(app).taken == 1

    assert client.delete("/api/v1/driver/session", headers=phone).status_code == 204
    refused = client.post(PATH, json=batch("app-3", 10), headers=phone)

    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert counts(app).as_dict() == {"taken": 1, "fallbacks": {"unknown_credential": 2}}
    assert len(_tracks(db)) == 2


def test_a_deactivated_driver_is_refused_at_once(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    driver_id, phone = _signed_in(client, org, "+358401000004")
    assert client.post(PATH, json=batch("app-4"), headers=phone).is_success

    patched = client.patch(
        f"/api/v1/drivers/{driver_id}", json={"active": False}, headers=org.headers
    )
    assert patched.status_code == 200, patched.text
    refused = client.post(PATH, json=batch("app-4", 5), headers=phone)

    assert refused.status_code == 401
    assert counts(app).taken == 0
    assert len(_tracks(db)) == 1


def test_a_driver_of_another_organisation_feeds_only_their_own_track(
    app: FastAPI, client: TestClient, org: OrgHandle, other_org: OrgHandle, db: Database
) -> None:
    ours = make_driver(client, org, "shared-name")
    theirs, phone = _signed_in(client, other_org, "+358401000005")
    assert client.post(PATH, json=batch("shared-name"), headers=phone).is_success
    taken = client.post(PATH, json=batch("shared-name", 5, 60.1705), headers=phone)

    assert taken.status_code == 200
    assert counts(app).taken == 1
    assert _tracks(db) == [(str(other_org.org_id), theirs, "shared-name")] * 2
    assert _position(client, org, ours["id"]).get("lat") is None


def test_a_session_token_is_no_api_key_and_a_key_no_session(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    make_driver(client, org, "app-6")
    _, phone = _signed_in(client, org, "+358401000006")
    assert client.post(PATH, json=batch("app-6"), headers=phone).is_success

    as_key = client.post("/api/v1/fixes", json=batch("app-6", 5), headers=phone)
    as_session = client.post(PATH, json=batch("app-6", 10), headers=org.headers)

    assert (as_key.status_code, as_session.status_code) == (401, 401)
    assert counts(app).as_dict() == {"taken": 0, "fallbacks": {"unknown_credential": 3}}
    assert len(_tracks(db)) == 1
