"""The whole system under a fleet's load, on one machine: two `lastmile serve` processes and a
`lastmile worker` on PostgreSQL with the Redis bus. The simulator (`lastmile.sim`) plays every
driver's day: phones post a fix every 5 s (spread over both API processes) and the drivers'
arrivals and deliveries; 5 Control Tower sessions hold the fleet stream open, and 500 tracking
pages their shipment's stream. Fix-to-screen latency: from the moment a phone's request is
written to the moment a Control Tower session reads that fix, at 500, 1,000 and 2,000 drivers;
CPU and memory of the server processes; and what was stored against what was acknowledged.

Run: `.venv/bin/python bench/load.py [DRIVERS ...]` (default 500 1000 2000).
"""

import asyncio
import functools
import json
import os
import re
import secrets
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import subprocess

from bench._databases import POSTGRES_URL
from bench._fleet import (
    STOPS_PER_ROUTE,
    Item,
    Schedule,
    SimDriver,
    create_hub,
    put_on_routes,
    register_drivers,
)
from bench._load import Connection
from sqlalchemy import func, select
from testkit.databases import postgres_reachable, postgres_schema_url
from testkit.servers import Server, create_org, server_env

from lastmile.db import Database
from lastmile.db.migrate import upgrade
from lastmile.ingest.models import fixes
from lastmile.sim.driver import Action
from lastmile.sim.gps import Upload
from lastmile.sim.wire import PhoneRequest, action_request, upload_requests, wire_time_s

REDIS_URL = "redis://127.0.0.1:6379/13"
LEVELS = (500, 1000, 2000)
WARMUP_S = 20.0
SECONDS = 40.0
FIX_EVERY_S = 5.0
CONTROL_TOWERS = 5
TRACKING_PAGES = 500
CONNECTIONS_PER_SERVER = 200
CATCH_UP_PASSES = 3
CATCH_UP_LANES = 16
"""Set-up is not measured: catching up goes at a pace that does not swamp the servers."""
RETRIES = 4

HEADER = """## Load: a fleet end to end

Two `lastmile serve` processes (`LASTMILE_ACCESS_LOG=false`, as behind a proxy) and one
`lastmile worker` on PostgreSQL 15 with the Redis bus, on this 2-core machine, which also runs
the load generator (one process). The simulator plays each driver's day on a route of {stops}
stops written as a committed plan leaves it, every driver some minutes into the day (loading at
the hub, driving, at a door): its phone takes a fix every {every:.0f} s with GPS noise, multipath
jumps, urban-canyon dropouts and offline spells uploaded late (every 5th phone on Traccar
Client's OsmAnd protocol, the others the driver app's batches to `POST /api/v1/driver/fixes`
with the driver's session), and the driver leaves the hub,
announces arrivals, delivers or fails, all through the public API, to one of the two API
processes. Each route carries live ETAs every 30 s with their notification checks and the alert
detectors on its corridor. {towers} Control Tower sessions hold `/api/v1/stream/fleet` open (on
both processes) and {pages} tracking pages, each the stop its driver is heading to, hold
`/t/{{token}}/events` open. Latency: from a phone writing its request to a Control Tower reading
that fix on its stream. What the fleet did while the test set up (and between levels) is caught
up first: its actions are sent, its uploads skipped. The first {warmup:.0f} s are the cold start,
reported apart: every phone's first fix finds the server's caches cold (device owner, the
driver's plan and route) and asks for the route's first ETAs, as when the whole fleet comes
online at once after a restart. The next {seconds:.0f} s are the steady state: fixes stored per
second, latency, and the server processes' CPU time in cores and per stored fix (every stage:
HTTP, pipeline, storage, ETA and alert hooks, fan-out to the open streams). "Refused" counts
requests answered with an error, "retried" those asked again after a 429 or 503 (as a phone
does, after 1, 2, 4, 8 s), "actions" the drivers' requests other than uploads, and
"phones late" how far behind its phone's schedule the generator sent a request (p99). "Streams
open in" is how long the {pages} pages and {towers} Control Towers, all opened at the same
instant (as after a restart), took to get their first event. Target: 2,000 drivers with p99
fix-to-screen under 1 s and nothing lost.

Command: `.venv/bin/python bench/load.py`

| drivers | fixes/s offered | stored | fix → screen p50 / p99 | phone ack p50 / p99 \
| cold start p50 / p99 | server CPU | per fix | RSS | lost | refused / retried | actions \
| phones late | streams open in |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"""


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


async def _hub(server: Server, headers: dict[str, str]) -> str:
    connection = await Connection("127.0.0.1", server.port).open()
    try:
        return await create_hub(connection, headers)
    finally:
        await connection.close()


async def _join(
    server: Server,
    headers: dict[str, str],
    database: Database,
    org_id: uuid.UUID,
    hub_id: str,
    numbers: range,
    secret_key: str,
) -> list[SimDriver]:
    connection = await Connection("127.0.0.1", server.port).open()
    try:
        registered = await register_drivers(connection, headers, numbers)
        return await put_on_routes(
            connection,
            headers,
            database,
            org_id=org_id,
            hub_id=hub_id,
            drivers=registered,
            seed=numbers.start,
            secret_key=secret_key,
        )
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


@dataclass
class Played:
    """What the phones sent in one stretch of the day and how the servers answered."""

    fixes_sent: int = 0
    fixes_acknowledged: int = 0
    actions: int = 0
    refused: int = 0
    retries: int = 0
    lag_s: list[float] = field(default_factory=list)
    answered_in_s: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    """Refusals by what was sent and the answer's status and title."""
    posted: dict[tuple[str, float], float] = field(default_factory=dict)
    """(device, fix time) to when its request was written, for the latency on screen."""


async def _send(
    connection: Connection,
    request: PhoneRequest,
    headers: dict[str, str],
    played: Played,
    driver: SimDriver,
) -> None:
    """Send as a phone does: a busy server (429, 503) is asked again after a pause."""
    path = request.path + (f"?{urlencode(request.params)}" if request.params else "")
    sent_headers = dict(headers) if request.api_key else {}
    if request.driver_session:
        sent_headers["Authorization"] = f"Bearer {driver.session_token}"
    body = b""
    if request.json is not None:
        body = json.dumps(request.json).encode()
        sent_headers["Content-Type"] = "application/json"
    pause_s = 1.0
    for attempt in range(RETRIES + 1):
        status, payload = await connection.request("POST", path, body=body, headers=sent_headers)
        if status not in (429, 503) or attempt == RETRIES:
            break
        played.retries += 1
        await asyncio.sleep(pause_s)
        pause_s *= 2
    if status >= 300:
        kind = _kind(request)
        detail = json.loads(payload).get("detail", "") if payload.startswith(b"{") else ""
        raise Refused(f"{kind} {status}: {_IDS.sub('…', detail)[:120]}")


def _kind(request: PhoneRequest) -> str:
    """What a request is, for the report: the endpoint's last word, or its fixes' protocol."""
    if request.fix_times_s:
        return "app fixes" if request.driver_session else "OsmAnd fixes"
    return request.path.rsplit("/", 1)[-1]


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\b[0-9A-Z]{12}\b")


class Refused(Exception):
    pass


Due = tuple[float, SimDriver, Item]


async def _play(
    schedule: Schedule,
    servers: list[Server],
    headers: dict[str, str],
    played: Played,
    *,
    from_s: float,
    until_s: float,
    lanes: int = 2 * CONNECTIONS_PER_SERVER,
) -> Played:
    """Send every message due before `until_s` (wall clock), each phone's in order, each when
    its phone sends it. Of what was due before `from_s` (what the fleet did while the test set
    up) only the drivers' actions go, at once: the uploads of that stretch are skipped."""
    queues: list[asyncio.Queue[Due | None]] = [asyncio.Queue() for _ in range(lanes)]

    async def lane(server: Server, queue: asyncio.Queue[Due | None]) -> None:
        connection = Connection("127.0.0.1", server.port)  # opened by its first request
        try:
            while (entry := await queue.get()) is not None:
                send_s, driver, item = entry
                if send_s >= from_s:
                    played.lag_s.append(time.time() - send_s)
                if isinstance(item, Upload):
                    requests = upload_requests(item, driver_app=True)
                else:
                    requests = [action_request(item)]
                for request in requests:
                    written = time.perf_counter()
                    for fix_s in request.fix_times_s:
                        played.posted[(driver.device_id, fix_s)] = written
                    try:
                        await _send(connection, request, headers, played, driver)
                    except Refused as refusal:
                        played.refused += 1
                        played.errors[str(refusal)] += 1
                        continue
                    finally:
                        played.answered_in_s[_kind(request)].append(time.perf_counter() - written)
                    played.fixes_acknowledged += len(request.fix_times_s)
                    if isinstance(item, Action):
                        played.actions += 1
                        if item.kind in ("delivered", "attempted") and item.tracking_number:
                            driver.done.add(item.tracking_number)
        finally:
            await connection.close()

    senders = [
        asyncio.create_task(lane(servers[i % len(servers)], queue))
        for i, queue in enumerate(queues)
    ]
    while (due := schedule.pop_until(until_s)) is not None:
        send_s, driver, item = due
        if isinstance(item, Upload):
            if send_s < from_s:
                continue
            played.fixes_sent += len(item.fixes)
        if (wait_s := send_s - time.time()) > 0:
            await asyncio.sleep(wait_s)
        queues[driver.number % len(queues)].put_nowait(due)
    for queue in queues:
        queue.put_nowait(None)
    await asyncio.gather(*senders)
    return played


async def _catch_up(schedule: Schedule, servers: list[Server], headers: dict[str, str]) -> Played:
    """Send the actions due so far; once more for those that fell due meanwhile, so the run
    starts with little backlog of its own."""
    caught_up = Played()
    for _ in range(CATCH_UP_PASSES):
        began = time.time()
        await _play(
            schedule, servers, headers, caught_up, from_s=began, until_s=began, lanes=CATCH_UP_LANES
        )
        if time.time() - began < 1.0:
            break
    return caught_up


async def _level(
    servers: list[Server],
    headers: dict[str, str],
    schedule: Schedule,
    usage: Callable[[], tuple[float, float, int]],
    profile: Callable[[], object] = lambda: None,
) -> dict[str, float]:
    caught_up = await _catch_up(schedule, servers, headers)
    latencies: list[tuple[float, float]] = []  # (posted, s into the run; fix to screen, ms)
    run = Played()
    started = time.perf_counter()

    def seen(data: bytes) -> None:
        message = json.loads(data)
        if message.get("type") != "position":
            return
        arrived = time.perf_counter()
        written = run.posted.pop((message["device_id"], wire_time_s(message["at"])), None)
        if written is not None:
            latencies.append((written - started, (arrived - written) * 1000))

    pages = [d.current_token() for d in list(schedule.drivers.values())[:TRACKING_PAGES]]
    opened = [asyncio.Event() for _ in range(CONTROL_TOWERS + len(pages))]
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
        for k, token in enumerate(pages)
    ]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in opened)), 120)
    streams_open_s = time.perf_counter() - opening
    caught_up_again = await _catch_up(schedule, servers, headers)
    started = time.perf_counter()

    async def at_steady_state() -> tuple[float, float, int]:
        await asyncio.sleep(WARMUP_S)
        profile()
        return await asyncio.to_thread(usage)

    steady = asyncio.create_task(at_steady_state())
    now_s = time.time()
    await _play(schedule, servers, headers, run, from_s=now_s, until_s=now_s + WARMUP_S + SECONDS)
    await asyncio.sleep(1.0)
    first, last = await steady, await asyncio.to_thread(usage)
    for task in streams:
        task.cancel()
    for stretch in (caught_up, caught_up_again, run):
        for error, count in stretch.errors.most_common():
            print(f"refused {count} x {error}", file=sys.stderr)
    for kind, answered in sorted(run.answered_in_s.items()):
        print(
            f"{kind}: {len(answered)} answered in p50 {1000 * _percentile(answered, 0.5):,.0f} ms,"
            f" p99 {1000 * _percentile(answered, 0.99):,.0f} ms",
            file=sys.stderr,
        )
    cold = [ms for posted_s, ms in latencies if posted_s < WARMUP_S]
    warm = [ms for posted_s, ms in latencies if posted_s >= WARMUP_S]
    acks = [s for kind in ("app fixes", "OsmAnd fixes") for s in run.answered_in_s.get(kind, [])]
    seconds = last[0] - first[0]
    return {
        "offered": run.fixes_sent / (WARMUP_S + SECONDS),
        "acknowledged": run.fixes_acknowledged,
        "refused": caught_up.refused + caught_up_again.refused + run.refused,
        "retried": caught_up.retries + caught_up_again.retries + run.retries,
        "actions": caught_up.actions + caught_up_again.actions + run.actions,
        "rate": (last[2] - first[2]) / seconds,
        "cores": (last[1] - first[1]) / seconds,
        "cold_p50": _percentile(cold, 0.5),
        "cold_p99": _percentile(cold, 0.99),
        "p50": _percentile(warm, 0.5),
        "p99": _percentile(warm, 0.99),
        "ack_p50": 1000 * _percentile(acks, 0.5),
        "ack_p99": 1000 * _percentile(acks, 0.99),
        "lag_p99": 1000 * _percentile(run.lag_s, 0.99),
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


def _profile(pids: list[int], drivers: int) -> list[subprocess.Popen[bytes]]:
    """With `BENCH_PROFILE=<folder>`: py-spy samples each API process while it holds the GIL
    (Python's CPU, not time spent waiting) over the measured seconds, as folded stacks
    `api-<n>-<drivers>.txt` for `bench/profile_stages.py`."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        return []
    Path(folder).mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(SECONDS)),
                "--rate",
                "50",
                "--gil",
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(Path(folder) / f"api-{n}-{drivers}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, pid in enumerate(pids)
    ]


def main(levels: tuple[int, ...] = LEVELS) -> None:
    if not postgres_reachable(POSTGRES_URL):
        print(_header())
        print("| PostgreSQL not reachable | | | | | | | | | | | | |")
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
                "LASTMILE_SECRET_KEY": secrets.token_urlsafe(32),
                # Every simulated phone posts from 127.0.0.1: per-address limits would refuse
                # a fleet that real phones, each from its own address, never come near.
                "LASTMILE_RATE_LIMITS": "false",
            }
        )
        org = create_org(env)
        org_id = uuid.UUID(org["org_id"])
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
            schedule = Schedule()
            for drivers in levels:
                joining = range(len(schedule.drivers), drivers)
                for driver in asyncio.run(
                    _join(
                        servers[0],
                        headers,
                        routes_db,
                        org_id,
                        hub_id,
                        joining,
                        env["LASTMILE_SECRET_KEY"],
                    )
                ):
                    schedule.add(driver)
                before = _stored(url)
                profilers: list[subprocess.Popen[bytes]] = []
                result = asyncio.run(
                    _level(
                        servers,
                        headers,
                        schedule,
                        functools.partial(_usage, pids, url),
                        lambda: profilers.extend(_profile(pids[:2], drivers)),  # noqa: B023
                    )
                )
                for profiler in profilers:
                    profiler.wait()
                rss = sum(_rss_mb(p) for p in pids)
                lost = int(result["acknowledged"]) - (_stored(url) - before)
                rate, cores = result["rate"], result["cores"]
                cold = f"{result['cold_p50']:,.0f} / {result['cold_p99']:,.0f} ms"
                latency = f"{result['p50']:,.0f} / {result['p99']:,.0f} ms"
                ack = f"{result['ack_p50']:,.0f} / {result['ack_p99']:,.0f} ms"
                rows.append(
                    f"| {drivers:,} | {result['offered']:,.0f} | {rate:,.0f} | {latency} | {ack} "
                    f"| {cold} "
                    f"| {cores:.2f} cores | {cores * 1000 / max(rate, 1e-9):.1f} ms "
                    f"| {rss:,.0f} MB | {lost} | {result['refused']:.0f} / {result['retried']:.0f} "
                    f"| {result['actions']:,.0f} | {result['lag_p99']:,.0f} ms "
                    f"| {result['streams_open_s']:.1f} s |"
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
    main(tuple(int(n) for n in sys.argv[1:]) or LEVELS)
