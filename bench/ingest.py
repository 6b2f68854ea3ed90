"""Fix ingestion end to end against a real `lastmile serve` process.

(a) fixes/s through the native batch endpoint (HTTP → pipeline → stored → published);
(b) single-fix OsmAnd requests/s from 200 concurrent devices;
(c) in the same run, a raw baseline storing the same rows with a bare COPY (PostgreSQL) or
    executemany (SQLite), no HTTP, no pipeline, to give our ratio to it;
(d) p99 from a fix's arrival at the server to its delivery on an open SSE stream, at 4,000
    fixes/s offered.
"""

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench._databases import POSTGRES_URL
from bench._load import Connection
from testkit.databases import postgres_reachable, postgres_schema_url
from testkit.servers import Server, create_org, server_env

from lastmile.db import Database
from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade
from lastmile.ingest.store import COLUMNS, COPY_TYPES, FixStore, StoredFix

REDIS_URL = "redis://127.0.0.1:6379/14"
BATCH = 1000
BATCH_CLIENTS = 8
"""Uploads in flight at once. With 4, the server sat idle a fifth of the time (0.72-0.87 cores
busy): all four often waited on the same group commit together."""
BATCH_SECONDS = 8.0
BATCH_ROUNDS = 3
OSMAND_DEVICES = 200
OSMAND_SECONDS = 8.0
SSE_RATE = 4000
SSE_SECONDS = 8.0


HEADER = """## GPS ingestion

A real `lastmile serve` on this machine (uvloop), loaded over loopback from a second process.
Batch: {clients} clients posting 1,000-fix batches to `POST /api/v1/fixes` for {batch_s:.0f} s, each
answered once committed; the median of {rounds} such rounds (fresh devices each), lowest and highest
in brackets. Raw baseline: the same columns written by a bare binary `COPY`
(PostgreSQL) or `executemany` (SQLite), 50,000 rows, no HTTP, no pipeline. FixStore: our storage
alone, in batches of 1,000. OsmAnd: {devices} devices, one single-fix request at a time each,
for {osmand_s:.0f} s. SSE: 40 devices posting {rate:,} fixes/s, latency from the server's
arrival stamp to the line read on an open fleet stream. Targets (PostgreSQL): >= 20,000 fixes/s
batched and >= 50 % of the raw baseline; >= 2,000 OsmAnd requests/s; p99 fix-to-SSE < 250 ms.
The load generator shares the machine's 2 cores with the server.

Command: `.venv/bin/python bench/ingest.py`

| setup | batched fixes/s | raw baseline rows/s | ratio | FixStore rows/s | OsmAnd req/s \
| fix → SSE p50 / p99 (sent/s) |
|---|---|---|---|---|---|---|"""


def _register(server: Server, headers: dict[str, str], count: int, prefix: str) -> None:
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        for i in range(count):
            response = client.post(
                "/api/v1/drivers", json={"name": f"D{i}", "device_ids": [f"{prefix}{i}"]}
            )
            response.raise_for_status()


def _fixes(start: datetime, count: int, offset: int = 0) -> list[dict[str, object]]:
    """Fixes `offset` onwards of one device's track: one a second, creeping north at 0.11 m/s.
    The track goes on from batch to batch (it once started again at every batch: a 111 m jump
    back that the pipeline rejected and the halt detector took for a new halt each time)."""
    return [
        {
            "at": (start + timedelta(seconds=offset + i)).isoformat(),
            "lat": 60.17 + (offset + i) * 1e-6,
            "lon": 24.94,
            "accuracy_m": 6.0,
            "speed_mps": 3.0,
        }
        for i in range(count)
    ]


async def _batch_load(server: Server, headers: dict[str, str], prefix: str) -> float:
    """Fixes per second stored through `POST /api/v1/fixes`, batches of 1,000, from devices
    `<prefix><k>`."""
    # One fix a second per device: room for 30,000 fixes/s per device before reaching "now".
    start = datetime.now(UTC) - timedelta(days=3)
    stored = 0

    async def client(k: int) -> None:
        nonlocal stored
        connection = await Connection("127.0.0.1", server.port).open()
        sent = 0
        try:
            while time.perf_counter() < deadline:
                body = {"device_id": f"{prefix}{k}", "fixes": _fixes(start, BATCH, sent)}
                status, payload = await connection.post_json("/api/v1/fixes", body, headers)
                if status != 200:
                    raise RuntimeError(f"batch refused: {status} {payload[:200]!r}")
                stored += BATCH
                sent += BATCH
        finally:
            await connection.close()

    began = time.perf_counter()
    deadline = began + BATCH_SECONDS
    await asyncio.gather(*(client(k) for k in range(BATCH_CLIENTS)))
    return stored / (time.perf_counter() - began)


async def _osmand_load(server: Server) -> float:
    """Single-fix OsmAnd requests per second from 200 devices, one connection each."""
    start = int((datetime.now(UTC) - timedelta(hours=12)).timestamp())
    done = 0

    async def device(k: int) -> None:
        nonlocal done
        connection = await Connection("127.0.0.1", server.port).open()
        i = 0
        try:
            while time.perf_counter() < deadline:
                path = f"/ingest/osmand?id=osm-{k}&timestamp={start + i}&lat=60.17&lon=24.94"
                status, _ = await connection.request("GET", path)
                if status != 200:
                    raise RuntimeError(f"OsmAnd request refused: {status}")
                done += 1
                i += 1
        finally:
            await connection.close()

    began = time.perf_counter()
    deadline = began + OSMAND_SECONDS
    await asyncio.gather(*(device(k) for k in range(OSMAND_DEVICES)))
    return done / (time.perf_counter() - began)


async def _sse_latency(server: Server, headers: dict[str, str]) -> tuple[float, float, int]:
    """(p50, p99) ms from arrival to SSE delivery with 4,000 fixes/s offered, and fixes sent."""
    latencies: list[float] = []
    start = datetime.now(UTC) - timedelta(hours=2)
    devices = 40
    per_tick = SSE_RATE // devices // 10

    async def listen(ready: asyncio.Event) -> None:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=None) as client,
            client.stream("GET", "/api/v1/stream/fleet", headers=headers) as stream,
        ):
            ready.set()
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    received = datetime.fromisoformat(json.loads(line[6:])["received_at"])
                    latencies.append((datetime.now(UTC) - received).total_seconds() * 1000)

    async def device(k: int) -> int:
        connection = await Connection("127.0.0.1", server.port).open()
        sent = 0
        tick = time.perf_counter()
        try:
            while tick < deadline:
                body = {"device_id": f"sse-{k}", "fixes": _fixes(start, per_tick, sent)}
                await connection.post_json("/api/v1/fixes", body, headers)
                sent += per_tick
                tick += 0.1
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
        finally:
            await connection.close()
        return sent

    ready = asyncio.Event()
    listener = asyncio.create_task(listen(ready))
    await ready.wait()
    deadline = time.perf_counter() + SSE_SECONDS
    sent = sum(await asyncio.gather(*(device(k) for k in range(devices))))
    await asyncio.sleep(0.5)
    listener.cancel()
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else float("nan")
    return statistics.median(ordered) if ordered else float("nan"), p99, sent


RAW_COLUMNS = (
    "driver_id",
    "at",
    "org_id",
    "device_id",
    "received_at",
    "lat",
    "lon",
    "accuracy_m",
    "speed_mps",
    "mock",
    "quality",
)


def _raw_values(row: StoredFix, *, sqlite: bool) -> tuple[object, ...]:
    """The row as the driver takes it; SQLite gets our storage forms (hex ids, naive UTC text)."""
    values = tuple(getattr(row, c) for c in RAW_COLUMNS)
    if not sqlite:
        return values
    return tuple(
        v.hex
        if isinstance(v, uuid.UUID)
        else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(v, datetime)
        else v
        for v in values
    )


def _raw_write(database: Database, rows: list[StoredFix]) -> float:
    columns = ", ".join(RAW_COLUMNS)
    sqlite = database.dialect == "sqlite"
    values = [_raw_values(r, sqlite=sqlite) for r in rows]
    began = time.perf_counter()
    with database.engine.begin() as connection:
        raw = connection.connection.driver_connection
        if sqlite:
            marks = ", ".join("?" * len(RAW_COLUMNS))
            raw.executemany(f"INSERT INTO fixes ({columns}) VALUES ({marks})", values)
        else:
            binary = f"COPY fixes ({columns}) FROM STDIN (FORMAT BINARY)"
            with raw.cursor() as cursor, cursor.copy(binary) as copy:
                copy.set_types([COPY_TYPES[COLUMNS.index(c)] for c in RAW_COLUMNS])
                for value in values:
                    copy.write_row(value)
    return len(rows) / (time.perf_counter() - began)


def _baseline(database_url: str) -> tuple[float, float]:
    """Rows/s for (bare COPY or executemany, our FixStore.write) on the same rows, no HTTP."""
    from lastmile.auth.models import Organization

    engine = make_engine(database_url)
    upgrade(engine)
    database = Database(engine)
    org = uuid.uuid4()
    with database.session() as session:
        session.add(Organization(id=org, name="baseline", settings={}))
        session.commit()
    start = datetime.now(UTC) - timedelta(days=3)

    def rows(driver: uuid.UUID) -> list[StoredFix]:
        return [
            StoredFix(
                driver_id=driver,
                org_id=org,
                device_id="b",
                at=start + timedelta(seconds=i),
                received_at=start,
                lat=60.17,
                lon=24.94,
                accuracy_m=6.0,
                speed_mps=3.0,
            )
            for i in range(50_000)
        ]

    ours = rows(uuid.uuid4())
    store = FixStore(database)
    began = time.perf_counter()
    for i in range(0, len(ours), BATCH):
        store.write(ours[i : i + BATCH])
    store_rate = len(ours) / (time.perf_counter() - began)
    raw_rate = _raw_write(database, rows(uuid.uuid4()))
    engine.dispose()
    return raw_rate, store_rate


def _run(name: str, database_url: str, *, workers: int = 1) -> list[str]:
    folder = tempfile.mkdtemp(prefix="lastmile-bench-")
    print(f"{name}: server log in {folder}", file=sys.stderr)
    env = server_env(Path(folder), database_url)
    if workers > 1:
        env["LASTMILE_BUS_URL"] = REDIS_URL
    headers = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    server = Server(env, workers=workers)
    server.start()
    try:
        prefixes = [f"batch{r}-" for r in range(BATCH_ROUNDS)]
        for prefix in prefixes:
            _register(server, headers, BATCH_CLIENTS, prefix)
        _register(server, headers, OSMAND_DEVICES, "osm-")
        _register(server, headers, 40, "sse-")
        batch_rates = sorted(asyncio.run(_batch_load(server, headers, p)) for p in prefixes)
        osmand_rate = asyncio.run(_osmand_load(server))
        p50, p99, sent = asyncio.run(_sse_latency(server, headers))
    finally:
        server.stop()
    raw_rate, store_rate = _baseline(database_url.replace("lastmile.db", "baseline.db"))
    batch_rate = statistics.median(batch_rates)
    return [
        f"| {name} | {batch_rate:,.0f} ({batch_rates[0]:,.0f}-{batch_rates[-1]:,.0f}) | "
        f"{raw_rate:,.0f} | {batch_rate / raw_rate:.0%} | "
        f"{store_rate:,.0f} | {osmand_rate:,.0f} | {p50:.0f} / {p99:.0f} ms "
        f"({sent / SSE_SECONDS:,.0f}/s) |"
    ]


def main() -> None:
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        rows += _run("SQLite (WAL), 1 process", f"sqlite:///{Path(folder) / 'lastmile.db'}")
    if not postgres_reachable(POSTGRES_URL):
        rows.append("| PostgreSQL 15 | not reachable | | | | | |")
    else:
        with postgres_schema_url(POSTGRES_URL) as url:
            rows += _run("PostgreSQL 15, 1 process", url)
        with postgres_schema_url(POSTGRES_URL) as url:
            rows += _run("PostgreSQL 15, 2 workers + Redis bus", url, workers=2)
    print(
        HEADER.format(
            batch_s=BATCH_SECONDS,
            clients=BATCH_CLIENTS,
            rounds=BATCH_ROUNDS,
            devices=OSMAND_DEVICES,
            osmand_s=OSMAND_SECONDS,
            rate=SSE_RATE,
        )
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
