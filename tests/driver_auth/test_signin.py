"""Driver sign-in: phone and PIN with a lockout, one-time links, sessions for one driver."""

import uuid
from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle
from tests.driver_app import PIN, make_driver_day, sign_in

from lastmile.config import Settings
from lastmile.db import Database
from lastmile.driver_auth.models import DriverCredential, DriverSession


def test_the_pin_is_stored_as_an_argon2_hash(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org)
    with db.session() as session:
        row = session.scalar(
            select(DriverCredential).where(DriverCredential.driver_id == uuid.UUID(day.driver_id))
        )
        assert row is not None
        assert row.pin_hash.startswith("$argon2")
        assert PIN not in row.pin_hash


def test_five_wrong_pins_lock_the_account_even_for_the_right_pin(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org)
    wrong = {"phone": day.phone, "pin": "0000"}
    for _ in range(5):
        response = client.post("/api/v1/driver/session", json=wrong)
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong phone number or PIN"
    locked = client.post("/api/v1/driver/session", json={"phone": day.phone, "pin": PIN})
    assert locked.status_code == 429
    assert "too many wrong PINs" in locked.json()["detail"]
    reset = client.put(
        f"/api/v1/drivers/{day.driver_id}/pin", json={"pin": "7777"}, headers=org.headers
    )
    assert reset.status_code == 204
    assert sign_in(client, day, pin="7777").token


def test_a_good_pin_resets_the_count_of_wrong_ones(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org)
    for _ in range(4):
        assert (
            client.post("/api/v1/driver/session", json={"phone": day.phone, "pin": "1"}).status_code
            == 401
        )
    sign_in(client, day)
    for _ in range(4):
        assert (
            client.post("/api/v1/driver/session", json={"phone": day.phone, "pin": "1"}).status_code
            == 401
        )
    assert sign_in(client, day).token


def test_an_unknown_phone_answers_like_a_wrong_pin(client: TestClient) -> None:
    response = client.post("/api/v1/driver/session", json={"phone": "+358409998887", "pin": "1234"})
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong phone number or PIN"


def test_a_sign_in_link_works_once(client: TestClient, db: Database, org: OrgHandle) -> None:
    day = make_driver_day(client, db, org)
    link = client.post(f"/api/v1/drivers/{day.driver_id}/signin-links", headers=org.headers)
    assert link.status_code == 201, link.text
    url = link.json()["url"]
    assert url.startswith("http://testserver/driver/#link=")
    token = url.split("#link=")[1]
    first = client.post("/api/v1/driver/session/link", json={"token": token})
    assert first.status_code == 201, first.text
    assert first.json()["driver_id"] == day.driver_id
    me = client.get(
        "/api/v1/driver/shift", headers={"Authorization": f"Bearer {first.json()['token']}"}
    )
    assert me.status_code == 200
    again = client.post("/api/v1/driver/session/link", json={"token": token})
    assert again.status_code == 401


def test_an_expired_link_is_refused(
    client: TestClient, db: Database, org: OrgHandle, settings: Settings
) -> None:
    day = make_driver_day(client, db, org)
    settings.driver_link_ttl_s = -1
    link = client.post(f"/api/v1/drivers/{day.driver_id}/signin-links", headers=org.headers)
    token = link.json()["url"].split("#link=")[1]
    assert client.post("/api/v1/driver/session/link", json={"token": token}).status_code == 401


def test_signing_out_ends_this_phones_session_only(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org)
    phone, other_phone = sign_in(client, replace(day)), sign_in(client, replace(day))
    for signed_in in (phone, other_phone):  # both verified moments ago, so both remembered
        assert client.get("/api/v1/driver/route", headers=signed_in.headers).status_code == 200

    assert client.delete("/api/v1/driver/session", headers=phone.headers).status_code == 204

    assert client.get("/api/v1/driver/route", headers=phone.headers).status_code == 401
    assert client.get("/api/v1/driver/route", headers=other_phone.headers).status_code == 200
    with db.session() as session:
        sessions = session.scalars(
            select(DriverSession).where(DriverSession.driver_id == uuid.UUID(day.driver_id))
        ).all()
    assert len(sessions) == 1


def test_signing_out_everywhere_ends_every_session_of_the_driver(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org)
    lost, found = sign_in(client, replace(day)), sign_in(client, replace(day))
    colleague = sign_in(
        client, make_driver_day(client, db, org, phone="+358401112299", plate="DRV-2")
    )
    for signed_in in (lost, found, colleague):
        assert client.get("/api/v1/driver/route", headers=signed_in.headers).status_code == 200

    assert client.delete("/api/v1/driver/sessions", headers=found.headers).status_code == 204

    assert client.get("/api/v1/driver/route", headers=lost.headers).status_code == 401
    assert client.get("/api/v1/driver/route", headers=found.headers).status_code == 401
    assert client.get("/api/v1/driver/route", headers=colleague.headers).status_code == 200
    assert client.delete("/api/v1/driver/sessions", headers=found.headers).status_code == 401


def test_a_pin_reset_or_deactivation_ends_a_session_in_use_at_once(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    assert client.get("/api/v1/driver/route", headers=day.headers).status_code == 200
    reset = client.put(
        f"/api/v1/drivers/{day.driver_id}/pin", json={"pin": "7777"}, headers=org.headers
    )
    assert reset.status_code == 204
    assert client.get("/api/v1/driver/route", headers=day.headers).status_code == 401

    again = sign_in(client, day, pin="7777")
    assert client.get("/api/v1/driver/route", headers=again.headers).status_code == 200
    patched = client.patch(
        f"/api/v1/drivers/{day.driver_id}", json={"active": False}, headers=org.headers
    )
    assert patched.status_code == 200
    assert client.get("/api/v1/driver/route", headers=again.headers).status_code == 401


def test_driver_tokens_and_api_keys_do_not_open_each_others_endpoints(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    assert client.get("/api/v1/drivers", headers=day.headers).status_code == 401
    assert client.get("/api/v1/driver/route", headers=org.headers).status_code == 401


def test_only_staff_of_the_drivers_organisation_set_pins_and_links(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org)
    foreign = client.put(
        f"/api/v1/drivers/{day.driver_id}/pin", json={"pin": "1111"}, headers=other_org.headers
    )
    assert foreign.status_code == 404
    link = client.post(f"/api/v1/drivers/{day.driver_id}/signin-links", headers=other_org.headers)
    assert link.status_code == 404
    bad = client.put(
        f"/api/v1/drivers/{day.driver_id}/pin", json={"pin": "12"}, headers=org.headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "pin"
