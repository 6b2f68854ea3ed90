"""Sign-in under attack: attempts are limited per address and per account, an unknown email
costs as much as a known one, and the Control Tower's form cannot be posted from elsewhere."""

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, OrgHandle, make_dispatcher
from tests.sign_in import form_token, sign_in

from lastmile.auth import credentials
from lastmile.config import Settings
from lastmile.db import Database


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"rate_limit_sign_in_ip": "5/minute", "rate_limit_sign_in_account": "3/minute"}
    )


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post("/auth/login", json={"email": email, "password": password}).status_code


def test_wrong_passwords_are_limited_per_account_then_per_address(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    assert [_login(client, DISPATCHER_EMAIL, "wrong-password") for _ in range(3)] == [401] * 3
    refused = client.post(
        "/auth/login", json={"email": DISPATCHER_EMAIL, "password": DISPATCHER_PASSWORD}
    )
    assert refused.status_code == 429, "the right password too, once the account's budget is spent"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert _login(client, "someone.else@example.com", "wrong-password") == 401
    assert _login(client, "third@example.com", "wrong-password") == 429, "the address's budget"


def test_the_control_tower_form_shares_the_budget(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    statuses = [sign_in(client, f"u{i}@example.com", "x").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]


def test_an_unknown_email_costs_the_same_hashing_as_a_known_one(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dispatcher(db, org)
    credentials.decoy_hash()  # made once per process, before counting
    checked: Counter[str] = Counter()
    verify = credentials._verify

    def counting(password_hash: str, password: str) -> bool:
        checked["hashes"] += 1
        return verify(password_hash, password)

    monkeypatch.setattr(credentials, "_verify", counting)
    assert _login(client, DISPATCHER_EMAIL, "wrong-password") == 401
    known = checked["hashes"]
    assert _login(client, "nobody@example.com", "wrong-password") == 401
    assert checked["hashes"] - known == known == 1


def test_the_sign_in_form_needs_its_own_token(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    form = {"email": "attacker@example.com", "password": "attacker's own"}
    forged = client.post("/control-tower/sign-in", data=form, follow_redirects=False)
    assert forged.status_code == 403, "a cross-site post carries no token (login CSRF)"
    assert "lastmile_session" not in forged.cookies
    other_browser = form_token(client)
    client.cookies.delete("lastmile_sign_in")
    form_token(client)
    mismatched = sign_in(client, **form, token=other_browser, follow_redirects=False)
    assert mismatched.status_code == 403, "another browser's token matches not this cookie"
    made_up = client.cookies.get("lastmile_sign_in", "").split(".")[0] + ".0000"
    client.cookies.set("lastmile_sign_in", made_up)
    assert sign_in(client, **form, token=made_up).status_code == 403
    ok = sign_in(client, DISPATCHER_EMAIL, DISPATCHER_PASSWORD, follow_redirects=False)
    assert ok.status_code == 303


def test_sign_out_needs_the_csrf_header(client: TestClient, db: Database, org: OrgHandle) -> None:
    make_dispatcher(db, org)
    login = client.post(
        "/auth/login", json={"email": DISPATCHER_EMAIL, "password": DISPATCHER_PASSWORD}
    )
    assert client.post("/auth/logout").status_code == 403
    assert client.get("/api/v1/me").status_code == 200, "the session outlived the forged post"
    csrf = login.json()["csrf_token"]
    assert client.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_a_driver_s_pin_sign_in_is_limited_per_phone_too(client: TestClient) -> None:
    """Phone and PIN: the account's budget (3 in this test's settings) is spent by wrong PINs
    for one phone, whether the phone is known or not, before any PIN is hashed."""
    attempts = [
        client.post("/api/v1/driver/session", json={"phone": "+358401112223", "pin": "0000"})
        for _ in range(4)
    ]
    assert [a.status_code for a in attempts] == [401, 401, 401, 429]
    assert attempts[-1].json()["type"].endswith("/rate-limited")
