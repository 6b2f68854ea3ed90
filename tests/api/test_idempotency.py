import pytest
from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.common import OrgHandle

from lastmile.api.idempotency import IdempotencyRecord, purge_expired
from lastmile.db import Database


def _post(client: TestClient, org: OrgHandle, key: str, **body: object):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/shipments",
        json=shipment_body(**body),
        headers={**org.headers, "Idempotency-Key": key},
    )


def test_retry_with_same_key_replays_the_first_answer(client: TestClient, org: OrgHandle) -> None:
    first = _post(client, org, "k-1")
    second = _post(client, org, "k-1")
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    listed = client.get("/api/v1/shipments", headers=org.headers).json()["items"]
    assert len(listed) == 1


def test_same_key_with_another_body_is_refused(client: TestClient, org: OrgHandle) -> None:
    _post(client, org, "k-2")
    other = _post(client, org, "k-2", parcel_count=9)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_keys_are_per_caller(client: TestClient, org: OrgHandle, other_org: OrgHandle) -> None:
    a = _post(client, org, "shared")
    b = _post(client, other_org, "shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_failed_requests_are_not_remembered(client: TestClient, org: OrgHandle) -> None:
    bad = _post(client, org, "k-3", parcel_count=0)
    assert bad.status_code == 422
    assert "idempotent-replayed" not in bad.headers
    again = _post(client, org, "k-3", parcel_count=0)
    assert "idempotent-replayed" in again.headers
    assert again.status_code == 422


def test_overlong_key_names_the_header(client: TestClient, org: OrgHandle) -> None:
    response = _post(client, org, "x" * 300)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_records_expire(client: TestClient, org: OrgHandle, db: Database) -> None:
    _post(client, org, "old")
    assert purge_expired(db, ttl_s=3600) == 0
    assert purge_expired(db, ttl_s=-1) == 1
    with db.session() as session:
        assert session.query(IdempotencyRecord).count() == 0


@pytest.mark.parametrize("method", ["put", "patch"])
def test_only_post_is_intercepted(client: TestClient, org: OrgHandle, method: str) -> None:
    response = getattr(client, method)(
        "/api/v1/shipments", json={}, headers={**org.headers, "Idempotency-Key": "m"}
    )
    assert response.status_code == 405
