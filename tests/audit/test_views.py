"""The audit log's API: what each change through users and API keys leaves, who may read it,
and that one organisation never sees another's entries."""

from typing import Any

from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_org

from lastmile.auth.models import Role
from lastmile.db import Database

PASSWORD = "correct horse battery"


def audit(client: TestClient, org: OrgHandle, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params=params, headers=org.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def only(entries: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [e for e in entries if e["action"] == action]
    assert len(found) == 1, entries
    return found[0]


def test_a_new_user_and_a_role_change_are_recorded_by_key(
    client: TestClient, org: OrgHandle
) -> None:
    me = client.get("/api/v1/me", headers=org.headers).json()
    user = client.post(
        "/api/v1/users",
        json={
            "email": "dee@example.com",
            "name": "Dee",
            "role": "dispatcher",
            "password": PASSWORD,
        },
        headers=org.headers,
    ).json()
    changed = client.patch(
        f"/api/v1/users/{user['id']}",
        json={"role": "admin", "password": "another long secret"},
        headers=org.headers,
    )
    assert changed.status_code == 200

    created = only(audit(client, org), "user.create")
    assert created["subject"] == {"type": "user", "id": user["id"], "label": "dee@example.com"}
    assert created["actor"]["type"] == "api_key"
    assert created["actor"]["name"] == me["actor"].split(":", 1)[1]
    updated = only(audit(client, org), "user.update")
    assert updated["before"] == {"role": "dispatcher", "password": "previous"}
    assert updated["after"] == {"role": "admin", "password": "new"}
    assert updated["text"] == "changed the user dee@example.com: password, role dispatcher → admin"
    assert PASSWORD not in str(audit(client, org))
    assert "another long" not in str(audit(client, org))


def test_a_change_that_changes_nothing_leaves_no_entry(client: TestClient, org: OrgHandle) -> None:
    user = client.post(
        "/api/v1/users",
        json={"email": "dee@example.com", "name": "Dee", "password": PASSWORD},
        headers=org.headers,
    ).json()
    client.patch(f"/api/v1/users/{user['id']}", json={"name": "Dee"}, headers=org.headers)
    assert [e["action"] for e in audit(client, org)] == ["user.create"]


def test_deactivating_a_user_is_recorded_once(client: TestClient, org: OrgHandle) -> None:
    user = client.post(
        "/api/v1/users",
        json={"email": "dee@example.com", "name": "Dee", "password": PASSWORD},
        headers=org.headers,
    ).json()
    assert client.delete(f"/api/v1/users/{user['id']}", headers=org.headers).status_code == 204
    entry = only(audit(client, org), "user.deactivate")
    assert (entry["before"], entry["after"]) == ({"active": True}, {"active": False})


def test_api_keys_made_and_revoked_are_recorded_without_their_secret(
    client: TestClient, org: OrgHandle
) -> None:
    created = client.post(
        "/api/v1/api-keys", json={"name": "shop", "role": "dispatcher"}, headers=org.headers
    ).json()
    client.delete(f"/api/v1/api-keys/{created['id']}", headers=org.headers)
    entries = audit(client, org, subject_type="api_key", subject_id=created["id"])
    assert [e["action"] for e in entries] == ["api_key.revoke", "api_key.create"]
    assert entries[1]["text"] == "created the API key “shop” (dispatcher)"
    assert created["key"] not in str(entries)
    assert created["key"].split("_", 2)[2] not in str(entries)


def test_a_signed_in_admin_is_the_actor(client: TestClient, org: OrgHandle, db: Database) -> None:
    from lastmile.auth import service as auth

    with db.session() as session:
        admin = auth.create_user(
            session=session,
            org_id=org.org_id,
            email="ada@example.com",
            name="Ada",
            role=Role.ADMIN,
            password=PASSWORD,
        )
        session.commit()
    signed_in = client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200
    csrf = {"X-CSRF-Token": signed_in.json()["csrf_token"]}
    made = client.post("/api/v1/api-keys", json={"name": "ci"}, headers=csrf)
    assert made.status_code == 201
    client.cookies.clear()
    entry = only(audit(client, org), "api_key.create")
    assert entry["actor"] == {"type": "user", "id": str(admin.id), "name": "ada@example.com"}
    # The entry keeps the email; people read the user's name, here and in the one-entry view.
    assert entry["who"] == "Ada"
    one = client.get(f"/api/v1/audit/{entry['id']}", headers=org.headers)
    assert one.json()["who"] == "Ada"


def test_only_admins_read_the_log(client: TestClient, org: OrgHandle, db: Database) -> None:
    dispatcher = make_org(db, "Org D", role=Role.DISPATCHER)
    response = client.get("/api/v1/audit", headers=dispatcher.headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/audit").status_code == 401


def test_an_organisation_never_reads_another_s_entries(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    client.post("/api/v1/api-keys", json={"name": "a-only"}, headers=org.headers)
    entry = only(audit(client, org), "api_key.create")
    assert audit(client, other_org) == []
    assert audit(client, other_org, subject_id=entry["subject"]["id"]) == []
    response = client.get(f"/api/v1/audit/{entry['id']}", headers=other_org.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/audit/{entry['id']}", headers=org.headers).status_code == 200


def test_filters_and_pages(client: TestClient, org: OrgHandle) -> None:
    for name in ("one", "two", "three"):
        client.post("/api/v1/api-keys", json={"name": name}, headers=org.headers)
    first = client.get("/api/v1/audit", params={"limit": 2}, headers=org.headers).json()
    assert [e["subject"]["label"] for e in first["items"]] == ["three", "two"]
    rest = client.get(
        "/api/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}, headers=org.headers
    ).json()
    assert [e["subject"]["label"] for e in rest["items"]] == ["one"]
    assert rest["next_cursor"] is None

    at = first["items"][0]["at"]
    assert len(audit(client, org, since=at)) == 1
    assert len(audit(client, org, until=at)) == 2
    assert audit(client, org, action="user.create") == []
    assert len(audit(client, org, actor_type="api_key")) == 3


def test_bad_filters_are_problems_naming_the_field(client: TestClient, org: OrgHandle) -> None:
    for params, field in (
        ({"since": "2026-11-25T10:00:00"}, "since"),
        ({"since": "9999-12-31T22:00:00-14:00"}, "since"),
        ({"since": "2026-11-25T10:00:00Z", "until": "2026-11-24T10:00:00Z"}, "until"),
        ({"action": "user.explode"}, "action"),
    ):
        response = client.get("/api/v1/audit", params=params, headers=org.headers)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text


def test_an_id_beyond_any_entry_is_a_problem_not_a_crash(
    client: TestClient, org: OrgHandle
) -> None:
    """Found by schemathesis on PostgreSQL: a 65-bit id reached a BIGINT comparison (500)."""
    huge = 27597350957318832128
    for path in (f"/api/v1/audit/{huge}", f"/api/v1/audit?cursor={huge}"):
        response = client.get(path, headers=org.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_a_rule_on_a_channel_without_rules_is_refused_and_not_recorded(
    client: TestClient, org: OrgHandle
) -> None:
    """Found by the notify tests: the audit's read of the old rule must not turn the service's
    422 for a channel with no rules (webhook) into a 500."""
    response = client.put(
        "/api/v1/notify/rules/delivered/webhook", json={"enabled": True}, headers=org.headers
    )
    assert response.status_code == 422, response.text
    reset = client.delete("/api/v1/notify/rules/delivered/webhook", headers=org.headers)
    assert reset.status_code == 204, reset.text
    assert audit(client, org) == []
