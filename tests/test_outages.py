"""PostgreSQL or Redis goes away under a running server, then comes back.

Both are shared by other tests, so neither is restarted: the server reaches each through a
proxy the test cuts (open connections reset, new ones refused: what a restarting server does
to its clients) and restores. The server process is never restarted.
"""

import json
import queue
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, select
from testkit.bodies import shipment_body
from testkit.databases import postgres_schema_url
from testkit.servers import Server, create_org, server_env, wait_until
from tests.conftest import POSTGRES_URL, require_postgres
from tests.proxy import Proxy, proxy_to

from lastmile.db.engine import make_engine
from lastmile.ingest.models import fixes

pytestmark = pytest.mark.slow

FAIL_FAST_S = 2.0
"""The slowest acceptable answer while the database is away (a pool's timeout is 30 s)."""
RECOVERY_S = 20.0


def _through(proxy: Proxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def _fix(device: str, at: datetime) -> dict[str, str]:
    return {
        "id": device,
        "timestamp": str(int(at.timestamp() * 1000)),
        "lat": "60.17",
        "lon": "24.94",
        "accuracy": "5",
    }


def _stored_fixes(url: str, driver_id: str) -> set[datetime]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(fixes.c.at).where(fixes.c.driver_id == uuid.UUID(driver_id))
            return set(connection.scalars(query))
    finally:
        engine.dispose()


class Moments:
    """Distinct fix times, a second apart, in the recent past."""

    def __init__(self) -> None:
        self._next = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)

    def __call__(self) -> datetime:
        self._next += timedelta(seconds=1)
        return self._next


@pytest.fixture
def pg_through_proxy() -> Iterator[tuple[str, Proxy]]:
    require_postgres()
    url = make_url(POSTGRES_URL)
    with postgres_schema_url(POSTGRES_URL) as direct, proxy_to(url.host, url.port) as proxy:
        yield direct, proxy


@pytest.mark.postgres
def test_a_postgres_restart_answers_503_fast_and_recovers_in_process(
    tmp_path: Path, pg_through_proxy: tuple[str, Proxy]
) -> None:
    direct, proxy = pg_through_proxy
    env = server_env(tmp_path, _through(proxy, direct))
    headers = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    server = Server(env)
    server.start()
    assert server.process is not None
    pid, moment = server.process.pid, Moments()
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            driver = client.post("/api/v1/drivers", json={"name": "Out", "device_ids": ["pg-1"]})
            assert driver.status_code == 201, driver.text
            made = client.post("/api/v1/shipments", json=shipment_body())
            assert made.status_code == 201, made.text
            number = made.json()["tracking_number"]
            acked = [moment()]
            assert client.get("/ingest/osmand", params=_fix("pg-1", acked[0])).status_code == 200

            proxy.cut()
            latencies, answers = [], []
            for _ in range(3):
                for method, path, extra in (
                    ("GET", "/api/v1/shipments", {}),
                    ("POST", "/api/v1/shipments", {"json": shipment_body()}),
                    ("POST", f"/api/v1/shipments/{number}/events", {"json": {"status": "at_hub"}}),
                    ("GET", "/ingest/osmand", {"params": _fix("pg-1", moment())}),
                    ("GET", f"/api/v1/drivers/{driver.json()['id']}/position", {}),
                ):
                    started = time.perf_counter()
                    answer = client.request(method, path, **extra)
                    latencies.append(time.perf_counter() - started)
                    answers.append((method, path, answer))
            for method, path, answer in answers:
                assert answer.status_code == 503, f"{method} {path}: {answer.text}"
                assert answer.headers["content-type"] == "application/problem+json"
                assert int(answer.headers["retry-after"]) >= 1
                assert answer.json()["type"].endswith("/database-unavailable")
            assert max(latencies) < FAIL_FAST_S, latencies
            health = client.get("/healthz")
            assert health.status_code == 200
            assert health.json()["database"] == "down"
            assert health.json()["status"] == "degraded"

            proxy.restore()
            wait_until(
                lambda: client.get("/api/v1/shipments").status_code == 200,
                timeout_s=RECOVERY_S,
                what="the API answering again after PostgreSQL came back",
            )
            after = moment()
            assert client.get("/ingest/osmand", params=_fix("pg-1", after)).status_code == 200
            acked.append(after)
            event = client.post(f"/api/v1/shipments/{number}/events", json={"status": "at_hub"})
            assert event.status_code == 201, event.text
            assert client.get("/healthz").json()["database"] == "up"
        assert server.process.pid == pid
        assert server.process.poll() is None
    finally:
        server.stop()
    assert set(acked) <= _stored_fixes(direct, driver.json()["id"])
    print(
        f"PostgreSQL away: {len(latencies)} requests answered 503 in "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )


class FleetStream:
    """A dispatcher's open fleet stream, read in a thread: positions by fix time."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.positions: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self.client = httpx.Client(base_url=url, headers=headers, timeout=None)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            with self.client.stream("GET", "/api/v1/stream/fleet") as stream:
                for line in stream.iter_lines():
                    if line == ": connected":
                        self.connected.set()
                    elif line.startswith("data: "):
                        data = json.loads(line.removeprefix("data: "))
                        if data.get("type") == "position":
                            self.positions.put(data)
        except httpx.HTTPError:
            return

    def next_position(self, timeout_s: float) -> dict[str, Any] | None:
        try:
            return self.positions.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.client.close()
        self.thread.join(timeout=30)


def test_redis_down_pauses_live_updates_and_loses_no_fix(tmp_path: Path, redis_url: str) -> None:
    redis = make_url(redis_url)
    with proxy_to(redis.host or "127.0.0.1", redis.port or 6379) as proxy:
        env = server_env(tmp_path, f"sqlite:///{tmp_path / 'lastmile.db'}")
        env["LASTMILE_BUS_URL"] = f"redis://127.0.0.1:{proxy.port}/{redis.database or 0}"
        headers = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
        server, moment = Server(env), Moments()
        server.start()
        stream = FleetStream(server.url, headers)
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                driver = client.post(
                    "/api/v1/drivers", json={"name": "Live", "device_ids": ["bus-1"]}
                ).json()
                assert stream.connected.wait(timeout=10)
                acked = [moment()]
                assert client.get("/ingest/osmand", params=_fix("bus-1", acked[0])).is_success
                assert stream.next_position(timeout_s=10) is not None, "no live update before"

                proxy.cut()
                for _ in range(10):
                    at = moment()
                    answer = client.get("/ingest/osmand", params=_fix("bus-1", at))
                    assert answer.status_code == 200, answer.text
                    acked.append(at)
                wait_until(
                    lambda: client.get("/healthz").json()["bus"] == "down",
                    timeout_s=5,
                    what="/healthz saying the bus is down",
                )
                assert client.get("/healthz").json()["status"] == "degraded"
                assert stream.positions.empty(), "live updates went on without Redis"

                proxy.restore()
                wait_until(
                    lambda: client.get("/healthz").json()["bus"] == "up",
                    timeout_s=RECOVERY_S,
                    what="/healthz saying the bus is back",
                )
                resumed = None

                def live_again() -> bool:
                    nonlocal resumed
                    at = moment()
                    assert client.get("/ingest/osmand", params=_fix("bus-1", at)).is_success
                    acked.append(at)
                    resumed = stream.next_position(timeout_s=0.5)
                    return resumed is not None

                wait_until(live_again, timeout_s=RECOVERY_S, what="live updates resuming")
        finally:
            stream.close()
            server.stop()
    assert set(acked) <= _stored_fixes(env["LASTMILE_DATABASE_URL"], driver["id"])
