"""`kill -9` of the API process and of the worker at random moments, on SQLite and PostgreSQL:
every acknowledged fix, shipment event, proof and notification is there exactly once after.

Clients behave as the real ones do: a phone resends a fix it got no answer for, an integration
resends an event with the same `Idempotency-Key`, the driver app resends a proof with the same
`action_id`. Only a 2xx answer counts as acknowledged. The schedule is seeded: the same seed
kills after the same numbers of acknowledgements.
"""

import json
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from testkit.bodies import shipment_body
from testkit.databases import postgres_schema_url
from testkit.servers import HonourRetryAfter, Server, Worker, create_org, server_env, wait_until
from tests.common import OrgHandle
from tests.conftest import POSTGRES_URL, require_postgres
from tests.driver_app import STOPS, make_driver_day, sign_in
from tests.driver_app import image_bytes as photo_bytes
from tests.notify.receivers import Recorder, serve

from lastmile.db import Database
from lastmile.db.engine import make_engine
from lastmile.dispatch.models import DriverAction
from lastmile.ingest.models import fixes
from lastmile.notify.models import OutboxMessage
from lastmile.notify.types import Channel, MessageStatus
from lastmile.pod.blobs import FileBlobStore
from lastmile.pod.models import Proof
from lastmile.shipments.models import ShipmentEvent

pytestmark = pytest.mark.slow

SEED = 20_251_124
KILLS_EACH = 3
"""Kills of the API process and, separately, of the worker, per database."""
BATCH = 5
"""Outbox messages a worker claims at once: at most this many are in flight when it dies."""
PROGRESS_TIMEOUT_S = 60.0
PACE_S = 0.02
"""Each client's pause between requests: enough load for requests in flight at every kill,
not so much that two cores spend the test restarting starved processes."""
NEXT = {"created": "at_hub", "at_hub": "out_for_delivery", "out_for_delivery": "exception"}
NEXT["exception"] = "at_hub"
"""A cycle of status changes, each of which queues a webhook."""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lastmile.db'}"
        return
    require_postgres()
    with postgres_schema_url(POSTGRES_URL) as url:
        yield url


@dataclass
class Ledger:
    """What the clients were told was stored (2xx answers)."""

    fixes: list[datetime] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    proofs: list[str] = field(default_factory=list)
    unanswered: int = 0
    """Requests still unanswered when the clients stopped: neither stored nor lost."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def counts(self) -> tuple[int, int, int]:
        with self.lock:
            return len(self.fixes), len(self.events), len(self.proofs)

    def total(self) -> int:
        return sum(self.counts())


def _answered(send: Callable[[], httpx.Response], stop: threading.Event) -> httpx.Response | None:
    """Send until the server answers (it may be down, restarting); None once told to stop."""
    while True:
        try:
            return send()
        except httpx.TransportError:
            if stop.wait(0.05):
                return None


def _send_fixes(url: str, device: str, ledger: Ledger, stop: threading.Event) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with httpx.Client(base_url=url, timeout=5) as client:
        for i in range(1_000_000):
            if stop.wait(PACE_S):
                return
            at = base + timedelta(milliseconds=100 * i)
            params = {
                "id": device,
                "timestamp": str(int(at.timestamp() * 1000)),
                "lat": f"{STOPS[0][0] + i * 1e-6:.7f}",
                "lon": f"{STOPS[0][1]}",
                "accuracy": "5",
            }
            answer = _answered(lambda p=params: client.get("/ingest/osmand", params=p), stop)
            with ledger.lock:
                if answer is None:
                    ledger.unanswered += 1
                elif answer.status_code == 200:
                    ledger.fixes.append(at)


def _post_events(
    url: str, org: OrgHandle, numbers: list[str], ledger: Ledger, stop: threading.Event
) -> None:
    """Walk each shipment round the status cycle; each change is one event, one webhook."""
    status = dict.fromkeys(numbers, "created")
    transport = HonourRetryAfter()
    with httpx.Client(base_url=url, timeout=5, headers=org.headers, transport=transport) as client:
        for n in range(1_000_000):
            if stop.wait(PACE_S):
                return
            number = numbers[n % len(numbers)]
            note = f"crash:{number}:{n}"
            body = {"status": NEXT[status[number]], "note": note}
            if body["status"] == "exception":
                body["reason"] = "Road closed"
            path = f"/api/v1/shipments/{number}/events"
            headers = {"Idempotency-Key": note}
            answer = _answered(partial(client.post, path, json=body, headers=headers), stop)
            if answer is None:
                with ledger.lock:
                    ledger.unanswered += 1
                return
            if answer.status_code == 201:
                with ledger.lock:
                    ledger.events.append(note)
                status[number] = body["status"]
                continue
            # 409: the request was in flight when the server died, and either the dead
            # process's claim still holds (its lease has not run out) or the event was applied
            # and its answer lost; the shipment's status says where the cycle is.
            assert answer.status_code == 409, answer.text
            shipment = _answered(partial(client.get, f"/api/v1/shipments/{number}"), stop)
            if shipment is None:
                return
            status[number] = shipment.json()["status"]


def _upload_proofs(
    url: str, token: str, stop_id: str, ledger: Ledger, stop: threading.Event
) -> None:
    photo = photo_bytes()
    headers = {"Authorization": f"Bearer {token}"}
    transport = HonourRetryAfter()
    with httpx.Client(base_url=url, timeout=5, headers=headers, transport=transport) as client:
        while not stop.wait(PACE_S):
            action = {
                "action_id": str(uuid.uuid4()),
                "at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
                "position": {"lat": STOPS[0][0], "lon": STOPS[0][1], "accuracy_m": 6.0},
            }
            answer = _answered(
                lambda a=action: client.post(
                    f"/api/v1/driver/stops/{stop_id}/images",
                    data={"action": json.dumps(a)},
                    files={"file": ("p.jpg", photo, "image/jpeg")},
                ),
                stop,
            )
            with ledger.lock:
                if answer is None:
                    ledger.unanswered += 1
                    return
                assert answer.status_code == 201, answer.text
                ledger.proofs.append(answer.json()["id"])


@dataclass
class Scene:
    org: OrgHandle
    device: str
    numbers: list[str]
    token: str
    stop_id: str
    driver_id: str


def _set_scene(server: Server, env: dict[str, str], engine: Engine, hook_url: str) -> Scene:
    created = create_org(env)
    org = OrgHandle(uuid.UUID(created["org_id"]), created["api_key"])
    with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
        hook = client.post(
            "/api/v1/notify/webhooks", json={"url": hook_url, "events": []}, headers=org.headers
        )
        assert hook.status_code == 201, hook.text
        device = "crash-phone"
        driver = client.post(
            "/api/v1/drivers",
            json={"name": "Fixes", "device_ids": [device]},
            headers=org.headers,
        )
        assert driver.status_code == 201, driver.text
        made = client.post(
            "/api/v1/shipments/bulk",
            json={"shipments": [shipment_body(reference=f"crash-{i}") for i in range(8)]},
            headers=org.headers,
        )
        assert made.status_code == 200, made.text
        numbers = [s["tracking_number"] for s in made.json()["shipments"]]
        day = sign_in(client, make_driver_day(client, Database(engine), org))
        started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
        assert started.status_code == 200, started.text
    return Scene(org, device, numbers, day.token, day.stop_ids[0], day.driver_id)


@dataclass
class Report:
    acknowledged: Counter[str]
    lost: Counter[str] = field(default_factory=Counter)
    doubled: Counter[str] = field(default_factory=Counter)
    webhooks: int = 0
    redelivered: int = 0
    """Webhooks sent again with the same key: the worker died before recording the send."""


def _blob(store: FileBlobStore, key: str | None) -> bytes | None:
    try:
        return store.get(key) if key else None
    except FileNotFoundError:
        return None


def _check_work(
    session: Session, report: Report, scene: Scene, ledger: Ledger, blobs: Path
) -> None:
    fixes_of = select(fixes.c.driver_id).where(fixes.c.device_id == scene.device)
    stored = Counter(session.scalars(select(fixes.c.at).where(fixes.c.driver_id.in_(fixes_of))))
    report.lost["fix"] = len(set(ledger.fixes) - set(stored))
    report.doubled["fix"] = sum(n - 1 for n in stored.values())

    notes = Counter(
        session.scalars(select(ShipmentEvent.note).where(ShipmentEvent.note.like("crash:%")))
    )
    report.lost["event"] = sum(1 for note in ledger.events if notes[note] == 0)
    report.doubled["event"] = sum(n - 1 for n in notes.values())

    proofs = {str(p.id): p for p in session.scalars(select(Proof))}
    photo, store = photo_bytes(), FileBlobStore(blobs)
    report.lost["proof"] = sum(1 for ident in ledger.proofs if ident not in proofs)
    report.lost["proof"] += sum(1 for p in proofs.values() if _blob(store, p.blob_key) != photo)
    applied = session.scalar(
        select(func.count()).select_from(DriverAction).where(DriverAction.kind.like("proof.%"))
    )
    report.doubled["proof"] = len(proofs) - (applied or 0)


def _check_notifications(
    session: Session, report: Report, ledger: Ledger, merchant: Recorder
) -> None:
    """Each acknowledged event queued one webhook (its key names the event), and the merchant
    received every queued webhook; a repeat carries the same `Idempotency-Key`."""
    events = session.execute(
        select(ShipmentEvent.id, ShipmentEvent.shipment_id).where(
            ShipmentEvent.note.in_(ledger.events)
        )
    ).all()
    keys = set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.channel == Channel.WEBHOOK)
        )
    )
    per_event = Counter(key.partition(":webhook:")[0] for key in keys)
    queued = {f"status:{shipment}:{event}" for event, shipment in events}
    report.lost["notification queued"] = sum(1 for key in queued if per_event[key] == 0)
    report.doubled["notification queued"] = sum(n - 1 for n in per_event.values())
    received = Counter(r.headers["idempotency-key"] for r in merchant.requests)
    assert set(received) <= keys
    report.lost["notification delivered"] = len(keys - set(received))
    report.webhooks = len(received)
    report.redelivered = sum(n - 1 for n in received.values())


def _outbox_settled(engine: Engine) -> bool:
    with Database(engine).session() as session:
        open_ = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.PENDING)
        )
    return open_ == 0


def _kill_both(
    rng: random.Random, server: Server, worker: Worker, ledger: Ledger, merchant: Recorder
) -> None:
    """One round: the API dies after some more acknowledgements; while it restarts, the worker
    dies after sending some more of the backlog; both restart, side by side."""
    target = ledger.total() + rng.randint(10, 60)
    wait_until(
        lambda: ledger.total() >= target,
        timeout_s=PROGRESS_TIMEOUT_S,
        what=f"{target} acknowledgements before killing the API",
    )
    server.kill()
    server.spawn()
    target = len(merchant.requests) + rng.randint(1, 2 * BATCH)
    wait_until(
        lambda: len(merchant.requests) >= target,
        timeout_s=PROGRESS_TIMEOUT_S,
        what=f"{target} webhooks before killing the worker",
    )
    worker.kill()
    worker.spawn()
    server.wait_ready()
    worker.wait_ready()


def test_acknowledged_work_survives_kill_9_of_api_and_worker(
    tmp_path: Path, database_url: str
) -> None:
    rng = random.Random(SEED)
    env = server_env(tmp_path, database_url)
    env["LASTMILE_RUN_WORKERS"] = "false"  # the worker process sends the outbox
    worker_env = env | {
        "LASTMILE_NOTIFY_POLL_INTERVAL_S": "0.05",
        "LASTMILE_NOTIFY_BATCH_SIZE": str(BATCH),
        "LASTMILE_NOTIFY_LEASE_S": "1",  # a dead worker's claims come back quickly
    }
    engine = make_engine(database_url)
    server, worker = Server(env), Worker(worker_env)
    ledger, stop = Ledger(), threading.Event()
    with serve(Recorder(answer=lambda recorder, request: 200)) as merchant:
        server.spawn()
        worker.spawn()
        server.wait_ready()
        worker.wait_ready()
        try:
            scene = _set_scene(server, env, engine, merchant.url)
            clients = [
                threading.Thread(target=_send_fixes, args=(server.url, scene.device, ledger, stop)),
                *(
                    threading.Thread(
                        target=_post_events,
                        args=(server.url, scene.org, scene.numbers[k::2], ledger, stop),
                    )
                    for k in range(2)
                ),
                threading.Thread(
                    target=_upload_proofs,
                    args=(server.url, scene.token, scene.stop_id, ledger, stop),
                ),
            ]
            for client in clients:
                client.start()
            for _ in range(KILLS_EACH):
                _kill_both(rng, server, worker, ledger, merchant)
            # Every kind of work goes on after the last restart.
            before = ledger.counts()
            wait_until(
                lambda: all(n > b for n, b in zip(ledger.counts(), before, strict=True)),
                timeout_s=PROGRESS_TIMEOUT_S,
                what="fixes, events and proofs acknowledged after the last restart",
            )
            stop.set()
            for client in clients:
                client.join(timeout=30)
            wait_until(
                lambda: _outbox_settled(engine),
                timeout_s=PROGRESS_TIMEOUT_S,
                what="the outbox drained",
            )
        finally:
            stop.set()
            worker.stop()
            server.stop()
        report = Report(Counter(fix=len(ledger.fixes), event=len(ledger.events)))
        report.acknowledged["proof"] = len(ledger.proofs)
        with Database(engine).session() as session:
            _check_work(session, report, scene, ledger, tmp_path / "blobs")
            _check_notifications(session, report, ledger, merchant)
    engine.dispose()
    print(f"{database_url.partition(':')[0]}: {KILLS_EACH} kills of each, {report}, ", end="")
    print(f"{ledger.unanswered} requests unanswered at the end (neither counted nor lost)")
    assert +report.lost == Counter(), report
    assert +report.doubled == Counter(), report
    assert report.redelivered <= KILLS_EACH * BATCH, report
