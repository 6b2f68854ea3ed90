"""The whole system under a fleet's load, on one machine: two `lastmile serve` processes and a
`lastmile worker` on PostgreSQL with the Redis bus. Phones post one fix each every 5 s (spread
over both API processes), 5 Control Tower sessions hold the fleet stream open, and 500 tracking
pages hold their shipment's stream open. Fix-to-screen latency: from the moment a phone posts a
fix to the moment a Control Tower session reads it, at 500, 1,000 and 2,000 drivers; CPU and
memory of the server processes; and a count of what was stored against what was acknowledged.
"""

import asyncio
import functools
import itertools
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import subprocess

from bench._databases import POSTGRES_URL
from bench._load import Connection
from bench._routes import STOPS_PER_ROUTE, Driver, create_hub, put_on_routes
from sqlalchemy import func, select
from tests.databases import postgres_reachable, postgres_schema_url
from tests.servers import Server, create_org, server_env

from lastmile.db import Database
from lastmile.db.migrate import upgrade
from lastmile.ingest.models import fixes

REDIS_URL = "redis://127.0.0.1:6379/13"
LEVELS = (500, 1000, 2000)
WARMUP_S = 20.0
SECONDS = 40.0
FIX_EVERY_S = 5.0
CONTROL_TOWERS = 5
TRACKING_PAGES = 500
CONNECTIONS_PER_SERVER = 64

HEADER = """## Load: a fleet end to end

Two `lastmile serve` processes (`LASTMILE_ACCESS_LOG=false`, as behind a proxy) and one
`lastmile worker` on PostgreSQL 15 with the Redis bus, on this 2-core machine, which also runs
the load generator (one process). Every driver is out on a
started route of {stops} stops (shipments out for delivery, live ETAs every 30 s with their
notification checks, alert detectors on the route corridor). Each driver's phone posts one fix
every {every:.0f} s to one of the two API processes; {towers} Control Tower sessions hold
`/api/v1/stream/fleet` open (on both processes) and {pages} tracking pages, each the first stop
of a route, hold `/t/{{token}}/events` open. Latency: from the phone posting a fix to a Control
Tower reading it on its stream. The first {warmup:.0f} s are the cold start, reported apart:
every phone's first fix finds the server's caches cold (device owner, the driver's plan and
route) and asks for the route's first ETAs, whose "arriving" notices are queued then, as when
the whole fleet comes online at once after a restart. The next {seconds:.0f} s are the steady
state: fixes stored per second, latency, and the server processes' CPU time in cores and per
stored fix (every stage: HTTP, pipeline, storage, ETA and alert hooks, fan-out to the open
streams). The phones start once every stream is open; "streams open in" is how long the
{pages} pages and {towers} Control Towers, all opened at the same instant (as after a restart),
took to get their first event. Target: 2,000 drivers with p99 fix-to-screen under 1 s and
nothing lost.

Command: `.venv/bin/python bench/load.py`

| drivers | fixes/s offered | stored | fix → screen p50 / p99 | cold start p50 / p99 \
| server CPU | per fix | RSS | lost | streams open in |
|---|---|---|---|---|---|---|---|---|---|"""


def _header() -> str:
    return HEADER.format(
        every=FIX_EVERY_S,
        towers=CONTROL_TOWERS,
        pages=TRACKING_PAGES,
        stops=STOPS_PER_ROUTE,
        warmup=WARMUP_S,
        seconds=SECONDS,
    )


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _register(server: Server, headers: dict[str, str], first: int, last: int) -> list[Driver]:
    connection = await Connection("127.0.0.1", server.port).open()
    drivers = []
    try:
        for k in range(first, last):
            body = {"name": f"Driver {k}", "device_ids": [f"load-{k}"]}
            status, payload = await connection.post_json("/api/v1/drivers", body, headers)
            assert status == 201, status
            drivers.append(Driver(k, json.loads(payload)["id"]))
    finally:
        await connection.close()
    return drivers


async def _hub(server: Server, headers: dict[str, str]) -> str:
    connection = await Connection("127.0.0.1", server.port).open()
    try:
        return await create_hub(connection, headers)
    finally:
        await connection.close()


async def _hold_stream(
    port: int, path: str, headers: dict[str, str], on_data: object, opened: asyncio.Event
) -> None:
    """Hold an event stream open; `opened` is set once its first event or comment arrived."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        while await reader.readline() not in (b"\r\n", b""):
            pass
        await reader.readline()
        opened.set()
        while line := await reader.readline():
            if on_data is not None and line.startswith(b"data: "):
                on_data(line[6:])  # type: ignore[operator]
    finally:
        writer.close()


def _usage(pids: list[int], url: str) -> tuple[float, float, int]:
    """(when, server CPU seconds so far, fixes stored so far)."""
    return time.perf_counter(), sum(_cpu_s(p) for p in pids), _stored(url)


async def _level(
    servers: list[Server],
    headers: dict[str, str],
    drivers: int,
    tokens: list[str],
    usage: Callable[[], tuple[float, float, int]],
) -> dict[str, float]:
    latencies: list[tuple[float, float]] = []  # (posted, s into the run; fix to screen, ms)

    def seen(data: bytes) -> None:
        message = json.loads(data)
        if message.get("type") == "position":
            at = datetime.fromisoformat(message["at"])
            arrived = datetime.now(UTC)
            posted_s = at.timestamp() - started_wall
            latencies.append((posted_s, (arrived - at).total_seconds() * 1000))

    opened = [asyncio.Event() for _ in range(CONTROL_TOWERS + len(tokens))]
    opening = time.perf_counter()
    streams = [
        asyncio.create_task(
            _hold_stream(
                servers[k % 2].port,
                "/api/v1/stream/fleet",
                headers,
                seen if k == 0 else None,
                opened[k],
            )
        )
        for k in range(CONTROL_TOWERS)
    ]
    streams += [
        asyncio.create_task(
            _hold_stream(
                servers[k % 2].port, f"/t/{token}/events", {}, None, opened[CONTROL_TOWERS + k]
            )
        )
        for k, token in enumerate(tokens)
    ]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in opened)), 120)
    streams_open_s = time.perf_counter() - opening
    pools = {
        id(server): [
            await Connection("127.0.0.1", server.port).open() for _ in range(CONNECTIONS_PER_SERVER)
        ]
        for server in servers
    }
    acknowledged = 0
    started = time.perf_counter()
    started_wall = time.time()
    deadline = started + WARMUP_S + SECONDS

    async def at_steady_state() -> tuple[float, float, int]:
        await asyncio.sleep(WARMUP_S)
        return await asyncio.to_thread(usage)

    steady = asyncio.create_task(at_steady_state())

    async def lane(server: Server, connection: Connection, devices: list[int]) -> None:
        """Each phone keeps its own phase in the 5 s period, phones spread evenly over it (the
        lanes once all fired at the same instants: bursts of 128 requests, not a fleet)."""
        nonlocal acknowledged
        if not devices:
            return
        for period in itertools.count():
            for k in devices:
                tick = started + (period + k / drivers) * FIX_EVERY_S
                if tick > deadline:
                    return
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                fix = {
                    "at": datetime.now(UTC).isoformat(),
                    "lat": 60.17 + k * 1e-5,
                    "lon": 24.94,
                    "accuracy_m": 8.0,
                }
                status, _ = await connection.post_json(
                    "/api/v1/fixes", {"device_id": f"load-{k}", "fixes": [fix]}, headers
                )
                if status == 200:
                    acknowledged += 1

    lanes = []
    per_lane = [
        list(range(drivers))[i :: 2 * CONNECTIONS_PER_SERVER]
        for i in range(2 * CONNECTIONS_PER_SERVER)
    ]
    for i, devices in enumerate(per_lane):
        server = servers[i % 2]
        lanes.append(lane(server, pools[id(server)][i // 2], devices))
    await asyncio.gather(*lanes)
    await asyncio.sleep(1.0)
    first, last = await steady, await asyncio.to_thread(usage)
    for task in streams:
        task.cancel()
    for pool in pools.values():
        for connection in pool:
            await connection.close()
    cold = [ms for posted_s, ms in latencies if posted_s < WARMUP_S]
    warm = [ms for posted_s, ms in latencies if posted_s >= WARMUP_S]
    seconds = last[0] - first[0]
    return {
        "offered": drivers / FIX_EVERY_S,
        "acknowledged": acknowledged,
        "rate": (last[2] - first[2]) / seconds,
        "cores": (last[1] - first[1]) / seconds,
        "cold_p50": _percentile(cold, 0.5),
        "cold_p99": _percentile(cold, 0.99),
        "p50": _percentile(warm, 0.5),
        "p99": _percentile(warm, 0.99),
        "streams_open_s": streams_open_s,
    }


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def _stored(url: str) -> int:
    database = Database.from_url(url)
    with database.session() as session:
        count = int(session.scalar(select(func.count()).select_from(fixes)) or 0)
    database.engine.dispose()
    return count


def main() -> None:
    if not postgres_reachable(POSTGRES_URL):
        print(_header())
        print("| PostgreSQL not reachable | | | | | | | | | |")
        return
    rows = []
    with postgres_schema_url(POSTGRES_URL) as url, tempfile.TemporaryDirectory() as folder:
        database = Database.from_url(url)
        upgrade(database.engine)
        database.engine.dispose()
        env = server_env(Path(folder), url)
        env.update(
            {
                "LASTMILE_BUS_URL": REDIS_URL,
                "LASTMILE_RUN_WORKERS": "false",
                "LASTMILE_ACCESS_LOG": "false",
            }
        )
        org = create_org(env)
        headers = {"Authorization": f"Bearer {org['api_key']}"}
        servers = [Server(env), Server(env)]
        worker = subprocess.Popen(
            [sys.executable, "-m", "lastmile", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for server in servers:
                server.start()
            pids = [s.process.pid for s in servers if s.process] + [worker.pid]
            hub_id = asyncio.run(_hub(servers[0], headers))
            routes_db = Database.from_url(url)
            tokens: list[str] = []
            registered = 0
            for drivers in LEVELS:
                fleet = asyncio.run(_register(servers[0], headers, registered, drivers))
                tokens += asyncio.run(
                    put_on_routes(
                        servers[0].port, headers, routes_db, uuid.UUID(org["org_id"]), hub_id, fleet
                    )
                )
                registered = drivers
                before = _stored(url)
                result = asyncio.run(
                    _level(
                        servers,
                        headers,
                        drivers,
                        tokens[:TRACKING_PAGES],
                        functools.partial(_usage, pids, url),
                    )
                )
                rss = sum(_rss_mb(p) for p in pids)
                lost = int(result["acknowledged"]) - (_stored(url) - before)
                rate, cores = result["rate"], result["cores"]
                cold = f"{result['cold_p50']:,.0f} / {result['cold_p99']:,.0f} ms"
                latency = f"{result['p50']:,.0f} / {result['p99']:,.0f} ms"
                rows.append(
                    f"| {drivers:,} | {result['offered']:,.0f} | {rate:,.0f} | {latency} | {cold} "
                    f"| {cores:.2f} cores | {cores * 1000 / max(rate, 1e-9):.1f} ms "
                    f"| {rss:,.0f} MB | {lost} | {result['streams_open_s']:.1f} s |"
                )
                print(rows[-1], file=sys.stderr, flush=True)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            for server in servers:
                server.stop()
    print(_header())
    print("\n".join(rows))


if __name__ == "__main__":
    main()
