"""Several workers on one PostgreSQL database: every message sent exactly once; crashes retried."""

import asyncio
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from testkit.bodies import shipment_body
from testkit.databases import postgres_schema_url
from testkit.servers import server_env
from tests.conftest import POSTGRES_URL, require_postgres
from tests.notify.helpers import Clock, KeyCounter
from tests.notify.receivers import Received, Recorder, serve, signature_ok

from lastmile.auth import service as auth
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.db.migrate import upgrade
from lastmile.dispatch.status import record_status
from lastmile.notify import service as notify
from lastmile.notify.channels.webhook import WebhookSender
from lastmile.notify.models import OutboxMessage
from lastmile.notify.types import Channel
from lastmile.notify.worker import OutboxWorker
from lastmile.shipments import service as shipments
from lastmile.shipments.schemas import ShipmentCreate
from lastmile.shipments.status import Status

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    require_postgres()
    with postgres_schema_url(POSTGRES_URL) as url:
        database = Database.from_url(url)
        upgrade(database.engine)
        database.engine.dispose()
        yield url


def _seed(url: str, *, shipments_out: int, webhook_url: str) -> str:
    """An organisation with a webhook endpoint and shipments sent out; returns the secret."""
    database = Database.from_url(url)
    with database.session() as session:
        org = auth.create_organization(session=session, name="Scale")
        endpoint = notify.create_webhook(
            session=session,
            org_id=org.id,
            url=webhook_url,
            events=[],
            description="",
            allow_private=True,
        )
        for _ in range(shipments_out):
            shipment, _ = shipments.create_shipment(
                session=session,
                org_id=org.id,
                data=ShipmentCreate.model_validate(shipment_body()),
                actor="test",
            )
            record_status(
                session=session,
                org_id=org.id,
                tracking_number=shipment.tracking_number,
                status=Status.OUT_FOR_DELIVERY,
                actor="test",
            )
        session.commit()
        secret = endpoint.secret
    database.engine.dispose()
    return secret


def _statuses(url: str) -> Counter[str]:
    database = Database.from_url(url)
    with database.session() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        counts = Counter({status.value: n for status, n in rows})
    database.engine.dispose()
    return counts


def _webhook_statuses(url: str) -> list[str]:
    database = Database.from_url(url)
    with database.session() as session:
        query = select(OutboxMessage.status).where(OutboxMessage.channel == Channel.WEBHOOK)
        statuses = [status.value for status in session.scalars(query)]
    database.engine.dispose()
    return statuses


def _settings(url: str, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path,
        database_url=url,
        notify_batch_size=4,
        notify_poll_interval_s=0.05,
        **extra,
    )


@pytest.mark.anyio
async def test_two_workers_send_every_message_exactly_once(pg_url: str, tmp_path: Path) -> None:
    with serve(Recorder(answer=lambda r, q: 204)) as merchant:
        secret = _seed(pg_url, shipments_out=25, webhook_url=merchant.url)
        assert _statuses(pg_url) == {"pending": 75}
        sent: dict[str, list[str]] = {}
        settings = _settings(pg_url, tmp_path)
        databases = [Database.from_url(settings.resolved_database_url) for _ in range(2)]
        workers = [
            OutboxWorker(
                database=database,
                settings=settings,
                senders={
                    Channel.SMS: KeyCounter(name, sent),
                    Channel.EMAIL: KeyCounter(name, sent),
                    Channel.WEBHOOK: WebhookSender(timeout_s=5, allow_private=True),
                },
                name=name,
            )
            for name, database in zip(("w1", "w2"), databases, strict=True)
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]
        try:
            hooks = await asyncio.to_thread(merchant.wait_for, 25, 60.0)
            deadline = asyncio.get_running_loop().time() + 60
            while _statuses(pg_url)["sent"] < 75:
                assert asyncio.get_running_loop().time() < deadline, _statuses(pg_url)
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for database in databases:
                database.engine.dispose()

    assert _statuses(pg_url) == {"sent": 75}
    assert len(sent) == 50
    assert all(len(workers_) == 1 for workers_ in sent.values())
    assert Counter(r.headers["idempotency-key"] for r in hooks).most_common(1)[0][1] == 1
    assert len(hooks) == 25
    assert all(signature_ok(r, secret) for r in hooks)


def test_skip_locked_claims_are_disjoint_and_a_lease_hides_rows(
    pg_url: str, tmp_path: Path
) -> None:
    _seed(pg_url, shipments_out=3, webhook_url="http://127.0.0.1:9/")
    settings = _settings(pg_url, tmp_path)
    first_db, second_db = (Database.from_url(settings.resolved_database_url) for _ in range(2))
    first = OutboxWorker(database=first_db, settings=settings, senders={}, name="a")
    second = OutboxWorker(database=second_db, settings=settings, senders={}, name="b")
    try:
        with first_db.session() as holder:
            locked = {m.id for m in holder.scalars(first._due(first.clock()))}  # locks held
            assert len(locked) == 4
            claimed_by_second = second.claim()
            assert {j.message_id for j in claimed_by_second}.isdisjoint(locked)
            assert len(claimed_by_second) == 4
            holder.rollback()
        claimed_by_first = first.claim()
        assert {j.message_id for j in claimed_by_first} == locked
        assert len(second.claim()) == 1  # the ninth; the other eight are leased
        assert first.claim() == []
        assert second.claim() == []
    finally:
        first_db.engine.dispose()
        second_db.engine.dispose()


@pytest.mark.anyio
async def test_a_claim_whose_worker_died_is_retried_after_the_lease_with_the_same_key(
    pg_url: str, tmp_path: Path
) -> None:
    with serve(Recorder(answer=lambda r, q: 200)) as merchant:
        _seed(pg_url, shipments_out=1, webhook_url=merchant.url)
        settings = _settings(pg_url, tmp_path, notify_lease_s=60.0)
        clock = Clock()
        database = Database.from_url(settings.resolved_database_url)
        sent: dict[str, list[str]] = {}

        def worker(name: str) -> OutboxWorker:
            senders = {Channel.SMS: KeyCounter(name, sent), Channel.EMAIL: KeyCounter(name, sent)}
            senders[Channel.WEBHOOK] = WebhookSender(timeout_s=5, allow_private=True)
            return OutboxWorker(
                database=database, settings=settings, senders=senders, name=name, clock=clock
            )

        try:
            crashed = worker("crashed").claim()  # claimed, then the process died mid-send
            assert len(crashed) == 3
            survivor = worker("survivor")
            assert await survivor.run_once() == 0
            clock.advance(seconds=61)
            assert await survivor.run_once() == 3
        finally:
            database.engine.dispose()
        [hook] = merchant.wait_for(1)

    webhook_key = next(
        j.rendered.idempotency_key for j in crashed if j.rendered.channel is Channel.WEBHOOK
    )
    assert hook.headers["idempotency-key"] == webhook_key
    assert set(sent) == {j.rendered.idempotency_key for j in crashed} - {webhook_key}
    assert all(workers_ == ["survivor"] for workers_ in sent.values())
    assert _statuses(pg_url) == {"sent": 3}


def test_kill_9_of_a_worker_mid_send_loses_nothing(pg_url: str, tmp_path: Path) -> None:
    release = threading.Event()

    def first_hangs(recorder: Recorder, request: Received) -> int:
        if len(recorder.requests) == 1:
            release.wait(60)  # the first delivery never gets its answer: the worker dies
        return 200

    with serve(Recorder(answer=first_hangs)) as merchant:
        _seed(pg_url, shipments_out=1, webhook_url=merchant.url)
        env = server_env(tmp_path, pg_url)
        env.update({"LASTMILE_NOTIFY_LEASE_S": "2", "LASTMILE_NOTIFY_POLL_INTERVAL_S": "0.1"})
        log = (tmp_path / "worker.log").open("wb")
        doomed = subprocess.Popen(
            [sys.executable, "-m", "lastmile", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            merchant.wait_for(1, timeout_s=60)
            doomed.kill()  # SIGKILL mid-send
            doomed.wait(timeout=30)
            assert _webhook_statuses(pg_url) == ["pending"]
            successor = subprocess.Popen(
                [sys.executable, "-m", "lastmile", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                first, retry = merchant.wait_for(2, timeout_s=60)
                deadline = time.monotonic() + 30
                while _webhook_statuses(pg_url) != ["sent"]:
                    assert time.monotonic() < deadline, "the retry was never recorded"
                    time.sleep(0.05)
            finally:
                successor.terminate()
                successor.wait(timeout=30)
        finally:
            release.set()
            if doomed.poll() is None:
                doomed.kill()
            log.close()

    assert retry.headers["idempotency-key"] == first.headers["idempotency-key"]
    assert retry.body == first.body
