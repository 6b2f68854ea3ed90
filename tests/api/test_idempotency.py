import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from testkit.bodies import shipment_body
from testkit.servers import wait_until
from tests.common import OrgHandle

from lastmile.api.idempotency import (
    SCOPE_KEY,
    Claim,
    IdempotencyMiddleware,
    IdempotencyRecord,
    fence_commits,
    purge_expired,
)
from lastmile.db import Database, utcnow
from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade
from lastmile.errors import Conflict
from lastmile.shipments import service
from lastmile.shipments.models import Shipment


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


def _shipments(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Shipment)) or 0


def _record(db: Database) -> IdempotencyRecord:
    with db.session() as session:
        (record,) = session.scalars(select(IdempotencyRecord)).all()
        return record


def _die_before_settling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies once the request ran: its claim is never settled."""
    monkeypatch.setattr(IdempotencyMiddleware, "_settle", lambda *args: None)


def _lease_runs_out(db: Database) -> None:
    with db.session() as session:
        session.execute(
            update(IdempotencyRecord).values(lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def _crash_before_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(**kwargs: object) -> None:
        raise RuntimeError("the process died here, before committing")

    monkeypatch.setattr(service, "create_shipment", crash)


def test_a_request_marks_its_record_applied_in_its_own_transaction(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    assert _post(client, org, "k-mark").status_code == 201
    record = _record(db)
    assert record.applied
    assert (record.status_code, record.lease_until) == (201, None)


def test_a_claim_whose_process_died_before_committing_runs_again_once_its_lease_ran_out(
    client: TestClient, org: OrgHandle, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as dying:
        _die_before_settling(dying)
        _crash_before_commit(dying)
        client.post(
            "/api/v1/shipments",
            json=shipment_body(),
            headers={**org.headers, "Idempotency-Key": "k-dead"},
        )
    record = _record(db)
    assert (record.status_code, record.applied) == (None, False)

    still_held = _post(client, org, "k-dead")
    assert still_held.status_code == 409
    assert "still being processed" in still_held.json()["detail"]

    _lease_runs_out(db)
    again = _post(client, org, "k-dead")
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    replayed = _post(client, org, "k-dead")
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == again.json()
    assert _shipments(db) == 1


def test_a_claim_whose_process_died_after_committing_says_it_was_applied(
    client: TestClient, org: OrgHandle, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as dying:
        _die_before_settling(dying)
        assert _post(client, org, "k-lost").status_code == 201
    _lease_runs_out(db)

    resent = _post(client, org, "k-lost")

    assert resent.status_code == 409
    assert "was applied, but its answer was lost" in resent.json()["detail"]
    assert _shipments(db) == 1


def test_a_failure_after_a_commit_is_kept_as_applied_rather_than_run_twice(
    client: TestClient, org: OrgHandle, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_after_commit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the answer could not be made")

    with monkeypatch.context() as failing:
        failing.setattr("lastmile.shipments.views.ShipmentOut.of", fail_after_commit)
        assert _post(client, org, "k-after").status_code == 500
    record = _record(db)
    assert (record.status_code, record.applied, record.lease_until) == (None, True, None)

    resent = _post(client, org, "k-after")

    assert resent.status_code == 409
    assert "was applied" in resent.json()["detail"]
    assert _shipments(db) == 1


def test_a_request_whose_claim_was_taken_over_cannot_commit(db: Database, org: OrgHandle) -> None:
    with db.session() as session:
        record = IdempotencyRecord(
            caller_sha256="0" * 64, key="k-taken", request_sha256="0" * 64, claim_token="new"
        )
        session.add(record)
        session.commit()
        claim = Claim(record.id, "old")
    with db.session() as session:
        fence_commits(session, {SCOPE_KEY: claim})
        session.add(IdempotencyRecord(caller_sha256="1" * 64, key="effect", request_sha256=""))
        with pytest.raises(Conflict, match="taken over"):
            session.commit()
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
        assert not session.get_one(IdempotencyRecord, claim.record_id).applied


def test_only_a_commit_that_wrote_marks_the_record_applied(engine: Engine) -> None:
    """A commit that ends reads (a plan is solved between two transactions) applies nothing;
    asked of the database, so real commits outside the test's rolled-back transaction."""
    database = Database(engine)
    with database.session() as session:
        record = IdempotencyRecord(
            caller_sha256="2" * 64, key=str(uuid.uuid4()), request_sha256="", claim_token="t"
        )
        session.add(record)
        session.commit()
    claim = Claim(record.id, "t")

    def applied() -> bool:
        with database.session() as session:
            return session.get_one(IdempotencyRecord, claim.record_id).applied

    try:
        with database.session() as session:
            fence_commits(session, {SCOPE_KEY: claim})
            session.scalar(select(func.count()).select_from(IdempotencyRecord))
            session.commit()
        assert not applied()
        with database.session() as session:
            fence_commits(session, {SCOPE_KEY: claim})
            session.get_one(IdempotencyRecord, claim.record_id).body = b"an effect"
            session.commit()
        assert applied()
    finally:
        with database.session() as session:
            session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.id == claim.record_id)
            )
            session.commit()


def test_a_running_request_keeps_its_claim_past_the_first_lease(tmp_path: Path) -> None:
    """However long a request runs, its process renews the lease: a resend is held off."""
    database = Database(make_engine(f"sqlite:///{tmp_path / 'lease.db'}"))
    upgrade(database.engine)
    release = threading.Event()

    async def slow(request: Request) -> JSONResponse:
        await anyio.to_thread.run_sync(release.wait, 30.0)
        return JSONResponse({"done": True}, status_code=201)

    app = Starlette(routes=[Route("/slow", slow, methods=["POST"])])
    app.state.db = database
    app.add_middleware(IdempotencyMiddleware, ttl_s=3600, lease_s=0.3)

    def lease_until() -> datetime | None:
        with database.session() as session:
            return session.scalar(select(IdempotencyRecord.lease_until))

    answers: list[int] = []
    headers = {"Idempotency-Key": "long"}
    with TestClient(app) as client:
        sender = threading.Thread(
            target=lambda: answers.append(client.post("/slow", headers=headers).status_code)
        )
        sender.start()
        try:
            wait_until(lambda: lease_until() is not None, timeout_s=10, what="the key claimed")
            first = lease_until()
            assert first is not None
            wait_until(
                lambda: (lease_until() or first) > first and utcnow() > first,
                timeout_s=10,
                what="the first lease past and renewed",
            )
            resent = client.post("/slow", headers=headers)
            assert resent.status_code == 409
            assert "still being processed" in resent.json()["detail"]
        finally:
            release.set()
            sender.join(timeout=30)
    assert answers == [201]
    database.engine.dispose()
