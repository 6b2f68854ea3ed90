"""Scale-out as an operator runs it: two `lastmile serve` processes and two `lastmile worker`
processes on PostgreSQL, with the bus on Redis; the MQTT broker stays with one listener."""

import json
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from testkit.databases import postgres_schema_url
from testkit.servers import Server, create_org, server_env
from tests.common import OrgHandle
from tests.conftest import POSTGRES_URL, require_postgres
from tests.driver_app import HUB, make_driver_day
from tests.driver_app import sign_in as driver_sign_in
from tests.notify.receivers import Recorder, serve

from lastmile.db import Database
from lastmile.db.migrate import upgrade
from lastmile.notify.models import OutboxMessage
from lastmile.notify.types import Channel, MessageStatus

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    require_postgres()
    with postgres_schema_url(POSTGRES_URL) as url:
        database = Database.from_url(url)
        upgrade(database.engine)
        database.engine.dispose()
        yield url


class FleetStream:
    """A dispatcher's open fleet stream on one server, read in a thread into a queue."""

    def __init__(self, server: Server, key: str) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=None
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            with self.client.stream("GET", "/api/v1/stream/fleet") as stream:
                for line in stream.iter_lines():
                    if line == ": connected":
                        self.events.put({"type": "connected"})
                    elif line.startswith("data: "):
                        self.events.put(json.loads(line.removeprefix("data: ")))
        except httpx.HTTPError:
            return

    def close(self) -> None:
        self.client.close()
        self.thread.join(timeout=30)


def _webhooks_settled(url: str, expected: int, timeout_s: float = 60.0) -> None:
    database = Database.from_url(url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            with database.session() as session:
                statuses = list(
                    session.scalars(
                        select(OutboxMessage.status).where(OutboxMessage.channel == Channel.WEBHOOK)
                    )
                )
            if len(statuses) == expected and all(s is MessageStatus.SENT for s in statuses):
                return
            assert time.monotonic() < deadline, f"webhooks not all sent: {statuses}"
            time.sleep(0.1)
    finally:
        database.engine.dispose()


def test_two_api_processes_and_two_workers(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    env = server_env(tmp_path, pg_url)
    env.update({"LASTMILE_BUS_URL": redis_url, "LASTMILE_RUN_WORKERS": "false"})
    key = create_org(env)["api_key"]
    headers = {"Authorization": f"Bearer {key}"}
    a, b = Server(env), Server(env)
    worker_env = dict(env, LASTMILE_NOTIFY_POLL_INTERVAL_S="0.1")
    logs = (tmp_path / "workers.log").open("wb")
    workers: list[subprocess.Popen[bytes]] = []
    with serve(Recorder()) as merchant:
        try:
            a.start()
            b.start()
            for _ in range(2):
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "lastmile", "worker"],
                        env=worker_env,
                        stdout=logs,
                        stderr=subprocess.STDOUT,
                    )
                )
            api_a = httpx.Client(base_url=a.url, headers=headers, timeout=30)
            api_b = httpx.Client(base_url=b.url, headers=headers, timeout=30)
            driver = api_a.post(
                "/api/v1/drivers", json={"name": "Scale", "device_ids": ["scale-1"]}
            ).json()

            stream = FleetStream(b, key)
            assert stream.events.get(timeout=30) == {"type": "connected"}

            start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
            for i in range(20):
                at = (start + timedelta(seconds=10 * i)).isoformat()
                fix = {"at": at, "lat": 60.17 + 0.0005 * i, "lon": 24.94, "accuracy_m": 5.0}
                api = api_a if i % 2 == 0 else api_b
                sent = api.post("/api/v1/fixes", json={"device_id": "scale-1", "fixes": [fix]})
                assert sent.json()["accepted"] == 1, (i, sent.text)
            # Each process publishes after its own acknowledgement, so the two processes'
            # positions may reach the stream in either order: wait for the first fix's.
            heard = [stream.events.get(timeout=30)]
            while datetime.fromisoformat(heard[-1]["at"]) != start and len(heard) < 20:
                heard.append(stream.events.get(timeout=30))
            stream.close()
            assert {event["type"] for event in heard} == {"position"}
            assert {event["driver_id"] for event in heard} == {driver["id"]}
            assert datetime.fromisoformat(heard[-1]["at"]) == start

            position = api_b.get(f"/api/v1/drivers/{driver['id']}/position").json()
            assert datetime.fromisoformat(position["at"]) == start + timedelta(seconds=190)
            trail = api_a.get(
                f"/api/v1/drivers/{driver['id']}/track",
                params={"since": (start - timedelta(seconds=1)).isoformat()},
            ).json()
            assert [round(lat, 4) for _, lat, _ in trail] == [
                round(60.17 + 0.0005 * i, 4) for i in range(20)
            ]

            hook = api_a.post(
                "/api/v1/notify/webhooks", json={"url": merchant.url, "events": ["at_hub"]}
            )
            assert hook.status_code == 201, hook.text
            for i in range(6):
                body = {
                    "recipient": {"name": f"R{i}"},
                    "address": {"text": f"Street {i}", "lat": 60.17, "lon": 24.94},
                }
                number = api_a.post("/api/v1/shipments", json=body).json()["tracking_number"]
                api = api_b if i % 2 else api_a
                moved = api.post(f"/api/v1/shipments/{number}/events", json={"status": "at_hub"})
                assert moved.status_code == 201, moved.text
            _webhooks_settled(pg_url, expected=6)
            received = merchant.wait_for(6)
            keys = [r.headers["idempotency-key"] for r in received]
            assert len(keys) == len(set(keys)) == 6
            api_a.close()
            api_b.close()
        finally:
            for process in workers:
                process.terminate()
                process.wait(timeout=30)
            a.stop()
            b.stop()
            logs.close()


def _etas_by_stop(api: httpx.Client, route_id: str) -> dict[str, int | None]:
    """Each remaining stop's `stops_away` in the latest ETAs (None until computed)."""
    etas = api.get(f"/api/v1/routes/{route_id}/etas")
    assert etas.status_code == 200, etas.text
    return {s["stop_id"]: s["stops_away"] for s in etas.json()["stops"]}


def test_a_reorder_on_one_process_reaches_the_live_etas_of_another(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The ETAs of a driver whose fixes reach server B follow a reorder made on server A at
    B's next fix, although B would not look at the route again for an hour on its own."""
    env = server_env(tmp_path, pg_url)
    env.update({"LASTMILE_BUS_URL": redis_url, "LASTMILE_ETA_MIN_INTERVAL_S": "3600"})
    created = create_org(env)
    org = OrgHandle(org_id=uuid.UUID(created["org_id"]), api_key=created["api_key"])
    a, b = Server(env), Server(env)
    database = Database.from_url(pg_url)
    try:
        a.start()
        b.start()
        api_a = httpx.Client(base_url=a.url, headers=org.headers, timeout=30)
        api_b = httpx.Client(base_url=b.url, timeout=30)
        day = driver_sign_in(api_b, make_driver_day(api_a, database, org, cod_on=None))
        # Open all day at UTC: a reorder late in the Helsinki evening (CI after 16:00 UTC)
        # would otherwise bring the van back after the hub's 18:00 close and be refused.
        hub_id = api_a.get(f"/api/v1/routes/{day.route_id}").json()["hub_id"]
        all_day = {
            d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        }
        opened = api_a.patch(
            f"/api/v1/hubs/{hub_id}", json={"timezone": "UTC", "opening_hours": all_day}
        )
        assert opened.status_code == 200, opened.text
        started = api_a.post(f"/api/v1/routes/{day.route_id}/start", json={})
        assert started.status_code == 200, started.text
        clock = datetime.now(UTC) - timedelta(minutes=30)

        def fix_on_b() -> None:
            nonlocal clock
            clock += timedelta(seconds=5)
            fix = {"at": clock.isoformat(), "lat": HUB[0], "lon": HUB[1], "accuracy_m": 5.0}
            body = {"device_id": "app-1", "fixes": [fix]}
            sent = api_b.post("/api/v1/driver/fixes", json=body, headers=day.headers)
            assert sent.status_code == 200, sent.text

        fix_on_b()
        first = _until(lambda: _etas_by_stop(api_a, day.route_id), lambda e: None not in e.values())
        assert [first[s] for s in day.stop_ids] == [1, 2, 3]

        backwards = list(reversed(day.stop_ids))
        reordered = api_a.post(
            f"/api/v1/routes/{day.route_id}/reorder", json={"stop_ids": backwards}
        )
        assert reordered.status_code == 200, reordered.text

        def after_a_fix() -> dict[str, int | None]:
            fix_on_b()
            return _etas_by_stop(api_a, day.route_id)

        now = _until(after_a_fix, lambda e: [e[s] for s in backwards] == [1, 2, 3])
        assert [now[s] for s in backwards] == [1, 2, 3]
        api_a.close()
        api_b.close()
    finally:
        a.stop()
        b.stop()
        database.engine.dispose()


def _until(
    read: Callable[[], dict[str, int | None]],
    done: Callable[[dict[str, int | None]], bool],
    timeout_s: float = 60.0,
) -> dict[str, int | None]:
    """Read until `done` holds: another process's state, which sends no signal of its own."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = read()
        if done(found):
            return found
        assert time.monotonic() < deadline, f"not reached in {timeout_s} s: {found}"
        time.sleep(0.2)
