from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.common import OrgHandle, make_org

from lastmile.auth.models import Role
from lastmile.db import Database

PASSWORD = "correct horse battery"


def _create_user(client: TestClient, org: OrgHandle, email: str, role: str = "dispatcher") -> dict:
    response = client.post(
        "/api/v1/users",
        json={"email": email, "name": "Dee Spatcher", "role": role, "password": PASSWORD},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_no_credentials_is_401_problem(client: TestClient) -> None:
    response = client.get("/api/v1/shipments")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_bad_and_revoked_keys_are_refused(client: TestClient, org: OrgHandle) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer lm_x_y"}).status_code == 401
    created = client.post("/api/v1/api-keys", json={"name": "ci"}, headers=org.headers).json()
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    listed = client.get("/api/v1/api-keys", headers=org.headers).json()
    assert all("key" not in k for k in listed)
    assert (
        client.delete(f"/api/v1/api-keys/{created['id']}", headers=org.headers).status_code == 204
    )
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_api_keys_are_stored_hashed(client: TestClient, org: OrgHandle, db: Database) -> None:
    from sqlalchemy import select

    from lastmile.auth.models import ApiKey

    created = client.post("/api/v1/api-keys", json={"name": "x"}, headers=org.headers).json()
    with db.session() as session:
        stored = session.scalars(select(ApiKey.secret_sha256)).all()
    secret = created["key"].split("_", 2)[2]
    assert secret not in stored
    assert all(len(h) == 64 for h in stored)


def test_user_passwords_are_argon2(client: TestClient, org: OrgHandle, db: Database) -> None:
    from sqlalchemy import select

    from lastmile.auth.models import User

    _create_user(client, org, "d@example.com")
    with db.session() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")


def test_short_password_names_the_field(client: TestClient, org: OrgHandle) -> None:
    response = client.post(
        "/api/v1/users",
        json={"email": "x@example.com", "name": "X", "password": "short"},
        headers=org.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


def test_cookie_session_needs_csrf_for_writes(client: TestClient, org: OrgHandle) -> None:
    _create_user(client, org, "disp@example.com")
    bad = client.post("/auth/login", json={"email": "disp@example.com", "password": "nope-nope"})
    assert bad.status_code == 401

    login = client.post("/auth/login", json={"email": "disp@example.com", "password": PASSWORD})
    assert login.status_code == 200
    csrf = login.json()["csrf_token"]
    assert client.get("/api/v1/me").json()["actor"] == "user:disp@example.com"

    without = client.post("/api/v1/shipments", json=shipment_body())
    assert without.status_code == 403
    assert "x-csrf-token" in without.json()["detail"]
    with_token = client.post(
        "/api/v1/shipments", json=shipment_body(), headers={"X-CSRF-Token": csrf}
    )
    assert with_token.status_code == 201

    assert client.post("/auth/logout").status_code == 403, "sign-out needs the CSRF header too"
    assert client.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/me").status_code == 401


def test_logout_invalidates_the_session_server_side(client: TestClient, org: OrgHandle) -> None:
    _create_user(client, org, "out@example.com")
    login = client.post("/auth/login", json={"email": "out@example.com", "password": PASSWORD})
    token = client.cookies.get("lastmile_session")
    assert token
    client.post("/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]})
    client.cookies.set("lastmile_session", token)
    assert client.get("/api/v1/me").status_code == 401


def test_deactivated_user_cannot_sign_in(client: TestClient, org: OrgHandle) -> None:
    user = _create_user(client, org, "gone@example.com")
    assert client.delete(f"/api/v1/users/{user['id']}", headers=org.headers).status_code == 204
    login = client.post("/auth/login", json={"email": "gone@example.com", "password": PASSWORD})
    assert login.status_code == 401


def test_roles_limit_what_a_key_may_do(client: TestClient, db: Database) -> None:
    driver = make_org(db, "Drivers only", role=Role.DRIVER)
    response = client.post("/api/v1/shipments", json=shipment_body(), headers=driver.headers)
    assert response.status_code == 403
    assert "dispatcher" in response.json()["detail"]
    assert client.get("/api/v1/api-keys", headers=driver.headers).status_code == 403


def test_null_in_a_patch_is_refused_not_blanked(client: TestClient, org: OrgHandle) -> None:
    user = _create_user(client, org, "p@example.com")
    response = client.patch(f"/api/v1/users/{user['id']}", json={"name": None}, headers=org.headers)
    assert response.status_code == 422
    assert "`name` may not be null" in response.json()["detail"]
