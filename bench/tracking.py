"""The customer tracking page under 500 open viewers, against a real `lastmile serve` process.

500 shipments on 50 routes of 10 stops: 40 routes in progress (the first 3 open stops of each
show the driver map, the other 7 are out for delivery without it) and 10 routes planned but not
started. 500 tracking pages hold `/t/{token}/events` open, one per shipment, while we time
`GET /t/{token}` (the `Server-Timing` the page sends, and what the client sees) one at a time
and from 20 parallel clients, against `GET /healthz` as the cheapest request. Then the page's
weight before the map: its HTML and the CSS and JS it loads from us, Leaflet aside.
"""

import asyncio
import gzip
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench._databases import POSTGRES_URL
from testkit.bodies import hub_body, shipment_body
from testkit.databases import postgres_reachable, postgres_schema_url
from testkit.servers import HonourRetryAfter, Server, create_org, server_env

from lastmile import tables  # noqa: F401  (every table, for the foreign keys)
from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet.models import Vehicle
from lastmile.ingest.models import DriverPosition
from lastmile.routing.polyline import encode
from lastmile.shipments.models import Shipment

ROUTES_STARTED = 40
ROUTES_PLANNED = 10
STOPS = 10
VIEWERS = 500
SEQUENTIAL = 500
PARALLEL_CLIENTS = 20
PARALLEL_EACH = 50
WARM_UP = 30
TARGET_MS = 100.0
BUDGET_BYTES = 50_000
HUB = (60.1719, 24.9414)
ASSET = re.compile(r'(?:href|src)="(/[^"]+\.(?:css|js))"')

HEADER = """## Tracking page

A real `lastmile serve` (one process) on this 2-core machine, which also runs the load generator
(one process). {shipments} shipments on {routes} routes of {stops} stops: {started} routes in
progress, where each route's first 3 open stops show the driver map and the other 7 are out for
delivery without it, and {planned} routes planned but not started. {viewers} tracking pages hold
`/t/{{token}}/events` open (one per shipment) for the whole run. One at a time: {sequential}
requests one after another, one per shipment; parallel: {clients} clients with a keep-alive
connection each, {each} requests each, shipments drawn at random. Server time is the page's own
`Server-Timing: app;dur=` (reading the link, building and rendering the page); client time is
request sent to last byte read, over loopback. `/healthz` is the baseline: the cheapest request
the server answers, in the same run. Target: the page renders in under {target:.0f} ms server
time with {viewers} viewers open (we hold p99 to it).

Command: `.venv/bin/python bench/tracking.py`

| database | request | load | req/s | server p50 / p99 / max | client p50 / p99 / max \
| client p50 vs `/healthz` |
|---|---|---|---|---|---|---|"""

WEIGHT = """
Page weight before the map: the HTML of a page showing the map (the heaviest kind) plus the CSS
and JS it loads from our server, Leaflet aside. The server sends them uncompressed; gzip is
what a compressing proxy would send (level 6). Budget: {budget} KB.

| part | raw | gzip |
|---|---|---|"""


@dataclass
class Samples:
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    elapsed_s: float | None = None


@dataclass
class Tracked:
    token: str
    kind: str


def _spread(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered):.1f} / {p99:.1f} / {ordered[-1]:.1f} ms"


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Client:
    """One keep-alive HTTP/1.1 connection that also returns the `Server-Timing` duration."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def open(self) -> "Client":
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def get(self, path: str) -> tuple[float, float | None]:
        """Client time and server time (None when not sent) of one GET, in ms."""
        started = time.perf_counter()
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        status = int((await self.reader.readline()).split()[1])
        length = 0
        server: float | None = None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "server-timing":
                server = float(value.split("dur=", 1)[1].split(";")[0].split(",")[0])
        await self.reader.readexactly(length)
        client = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        return client, server

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def _seed(server: Server, url: str, created: dict[str, str]) -> list[Tracked]:
    """Hub, drivers and shipments through the API; routes written as the planner would."""
    headers = {"Authorization": f"Bearer {created['api_key']}"}
    org_id = uuid.UUID(created["org_id"])
    database = Database.from_url(url)
    tracked: list[Tracked] = []
    transport = HonourRetryAfter()
    with httpx.Client(
        base_url=server.url, headers=headers, timeout=30, transport=transport
    ) as client:
        hub = client.post("/api/v1/hubs", json=hub_body()).json()
        for number in range(ROUTES_STARTED + ROUTES_PLANNED):
            started = number < ROUTES_STARTED
            tracked += _route(client, database, org_id, hub["id"], number, started=started)
    database.engine.dispose()
    return tracked


def _route(
    client: httpx.Client,
    database: Database,
    org_id: uuid.UUID,
    hub_id: str,
    number: int,
    *,
    started: bool,
) -> list[Tracked]:
    body = {"name": f"Driver{number} Lahtinen", "device_ids": [f"track-{number}"]}
    body["photo_url"] = "https://example.com/driver.jpg"
    driver_id = uuid.UUID(client.post("/api/v1/drivers", json=body).json()["id"])
    points = [(60.16 + 0.002 * number, 24.90 + 0.01 * k) for k in range(STOPS)]
    shipments = []
    for k, (lat, lon) in enumerate(points):
        made = client.post(
            "/api/v1/shipments",
            json=shipment_body(
                reference=f"BENCH-{number}-{k}",
                recipient={"name": f"Customer {number}-{k}", "phone": "+358401234567"},
                address={"text": f"Benchkatu {number}-{k}, Helsinki", "lat": lat, "lon": lon},
                hub_id=hub_id,
            ),
        )
        assert made.status_code == 201, made.text
        shipments.append(made.json())
    now = datetime.now(UTC)
    with database.session() as session:
        vehicle = Vehicle(org_id=org_id, plate=f"BENCH-{number}", skills=[])
        session.add(vehicle)
        session.flush()
        route = Route(
            org_id=org_id,
            hub_id=uuid.UUID(hub_id),
            date=now.date(),
            driver_id=driver_id,
            vehicle_id=vehicle.id,
            status=RouteStatus.IN_PROGRESS if started else RouteStatus.PLANNED,
            day_start=now.replace(hour=0, minute=0, second=0, microsecond=0),
            planned_start=now,
            planned_end=now + timedelta(hours=4),
            distance_m=10_000,
            duration_s=4 * 3600,
            polyline6=encode([HUB, *points, HUB]),
            started_at=now if started else None,
        )
        session.add(route)
        session.flush()
        for k, made in enumerate(shipments):
            shipment = session.get(Shipment, uuid.UUID(made["id"]))
            assert shipment is not None
            shipment.driver_id = driver_id
            session.add(
                RouteStop(
                    org_id=org_id,
                    route_id=route.id,
                    shipment_id=shipment.id,
                    sequence=k,
                    planned_arrival=now + timedelta(minutes=20 * (k + 1)),
                    planned_departure=now + timedelta(minutes=20 * (k + 1) + 2),
                    status=StopStatus.PENDING,
                )
            )
        if started:
            session.add(
                DriverPosition(
                    org_id=org_id,
                    driver_id=driver_id,
                    device_id=f"track-{number}",
                    at=now,
                    received_at=now,
                    lat=HUB[0],
                    lon=HUB[1] + 0.002,
                    heading_deg=90.0,
                )
            )
        session.commit()
    if started:
        for made in shipments:
            done = client.post(
                f"/api/v1/shipments/{made['tracking_number']}/events",
                json={"status": "out_for_delivery"},
            )
            assert done.status_code == 201, done.text
    tokens = [str(made["tracking_url"]).rsplit("/t/", 1)[1] for made in shipments]
    if not started:
        return [Tracked(token, "planned") for token in tokens]
    return [Tracked(token, "map" if k < 3 else "no map") for k, token in enumerate(tokens)]


async def _hold_stream(port: int, token: str, ready: asyncio.Event, maps: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET /t/{token}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    writer.write((request + "Accept: text/event-stream\r\n\r\n").encode())
    try:
        while line := await reader.readline():
            if line.startswith(b"event: ready"):
                ready.set()
            elif line.startswith(b"data: ") and b'"map":true' in line.replace(b" ", b""):
                maps.append(token)
    finally:
        writer.close()


async def _sequential(port: int, paths: list[str]) -> Samples:
    client = await Client(port).open()
    samples = Samples()
    try:
        for path in paths[:WARM_UP]:
            await client.get(path)
        began = time.perf_counter()
        for path in paths:
            took, server = await client.get(path)
            samples.client_ms.append(took)
            if server is not None:
                samples.server_ms.append(server)
        samples.elapsed_s = time.perf_counter() - began
    finally:
        await client.close()
    return samples


async def _parallel(port: int, paths: list[str]) -> Samples:
    samples = Samples()

    async def one(lane: int) -> None:
        client = await Client(port).open()
        try:
            for path in paths[lane::PARALLEL_CLIENTS]:
                took, server = await client.get(path)
                samples.client_ms.append(took)
                if server is not None:
                    samples.server_ms.append(server)
        finally:
            await client.close()

    began = time.perf_counter()
    await asyncio.gather(*(one(lane) for lane in range(PARALLEL_CLIENTS)))
    samples.elapsed_s = time.perf_counter() - began
    return samples


def _split(samples: Samples, paths: list[str], keep: set[str]) -> Samples:
    """The samples of the paths in `keep` only (same order as sent on one connection)."""
    chosen = Samples()
    for path, took, server in zip(paths, samples.client_ms, samples.server_ms, strict=True):
        if path in keep:
            chosen.client_ms.append(took)
            chosen.server_ms.append(server)
    return chosen


async def _measure(port: int, tracked: list[Tracked]) -> dict[tuple[str, str], Samples]:
    readies = [asyncio.Event() for _ in range(VIEWERS)]
    maps: list[str] = []
    streams = [
        asyncio.create_task(_hold_stream(port, tracked[k % len(tracked)].token, ready, maps))
        for k, ready in enumerate(readies)
    ]
    deadline = time.monotonic() + 60
    while not all(r.is_set() for r in readies):
        if time.monotonic() > deadline:
            opened = sum(r.is_set() for r in readies)
            raise RuntimeError(f"only {opened} of {VIEWERS} streams opened")
        await asyncio.sleep(0.1)
    print(f"{VIEWERS} streams open, {len(maps)} showing the map", file=sys.stderr, flush=True)
    expected = {t.token for t in tracked if t.kind == "map"}
    if set(maps) != expected:
        raise RuntimeError(f"{len(maps)} streams show the map, expected {len(expected)}")
    pages = [f"/t/{t.token}" for t in tracked][:SEQUENTIAL]
    with_map = {f"/t/{t.token}" for t in tracked if t.kind == "map"}
    chooser = random.Random(7)
    drawn = [chooser.choice(pages) for _ in range(PARALLEL_CLIENTS * PARALLEL_EACH)]
    health = ["/healthz"] * SEQUENTIAL
    results: dict[tuple[str, str], Samples] = {}
    try:
        results["/healthz", "sequential"] = await _sequential(port, health)
        page_samples = await _sequential(port, pages)
        results["/t/{token}", "sequential"] = page_samples
        results["/t/{token} with map", "sequential"] = _split(page_samples, pages, with_map)
        results["/healthz", "parallel"] = await _parallel(port, ["/healthz"] * len(drawn))
        results["/t/{token}", "parallel"] = await _parallel(port, drawn)
        if not all(not r.done() for r in streams):
            raise RuntimeError("a tracking stream closed during the run")
    finally:
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    return results


def _rows(name: str, results: dict[tuple[str, str], Samples]) -> list[str]:
    rows = []
    for (request, load), samples in results.items():
        base = results["/healthz", load].client_ms
        ratio = statistics.median(samples.client_ms) / statistics.median(base)
        rate = f"{len(samples.client_ms) / samples.elapsed_s:,.0f}" if samples.elapsed_s else "—"
        rows.append(
            f"| {name} | `{request}` | {_load_label(load)} | {rate} | {_spread(samples.server_ms)} "
            f"| {_spread(samples.client_ms)} | {ratio:.1f}x |"
        )
    return rows


def _load_label(load: str) -> str:
    return "one at a time" if load == "sequential" else f"{PARALLEL_CLIENTS} parallel"


def _weight(server: Server, tracked: list[Tracked]) -> tuple[list[str], int, int]:
    token = next(t.token for t in tracked if t.kind == "map")
    html = httpx.get(f"{server.url}/t/{token}").content
    assert b'id="map"' in html, "the map page shows no map"
    parts = [("HTML (`/t/{token}`, map shown)", html)]
    for path in dict.fromkeys(ASSET.findall(html.decode())):
        if not path.startswith("/vendor/leaflet/"):
            parts.append((f"`{path}`", httpx.get(f"{server.url}{path}").content))
    rows = []
    raw_total = gzip_total = 0
    for label, data in parts:
        packed = len(gzip.compress(data, compresslevel=6))
        raw_total += len(data)
        gzip_total += packed
        rows.append(f"| {label} | {len(data) / 1000:.1f} KB | {packed / 1000:.1f} KB |")
    rows.append(f"| **total** | **{raw_total / 1000:.1f} KB** | **{gzip_total / 1000:.1f} KB** |")
    return rows, raw_total, gzip_total


def _verdict(name: str, results: dict[tuple[str, str], Samples]) -> str:
    """Whether the page's server-time p99 is under the target, one at a time and in parallel."""
    parts = []
    for load in ("sequential", "parallel"):
        samples = results["/t/{token}", load]
        p99 = _p99(samples.server_ms)
        met = "met" if p99 < TARGET_MS else "**not met**"
        rate = len(samples.client_ms) / (samples.elapsed_s or 1.0)
        how = "one at a time" if load == "sequential" else f"with {PARALLEL_CLIENTS} in parallel"
        parts.append(f"{met} {how} (p99 {p99:.1f} ms, {rate:,.0f} pages/s)")
    line = f"- {TARGET_MS:.0f} ms target on {name}: " + "; ".join(parts) + "."
    if _p99(results["/t/{token}", "parallel"].server_ms) >= TARGET_MS:
        line += (
            f" With {PARALLEL_CLIENTS} renders in flight the one process is saturated: they"
            " share its CPU, and each page's server time counts the wait."
        )
    return line


def _bench(name: str, url: str, folder: Path) -> tuple[list[str], str, tuple[list[str], int]]:
    """Rows of the table, the verdict on the target, and the weight table and total."""
    env = server_env(folder, url)
    created = create_org(env)
    server = Server(env)
    server.start()
    try:
        began = time.monotonic()
        tracked = _seed(server, url, created)
        print(f"{name}: seeded in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
        results = asyncio.run(_measure(server.port, tracked))
        weight_rows, raw_total, _ = _weight(server, tracked)
    finally:
        server.stop()
    rows = _rows(name, results)
    print("\n".join(rows), file=sys.stderr, flush=True)
    return rows, _verdict(name, results), (weight_rows, raw_total)


def main() -> None:
    rows: list[str] = []
    verdicts: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'lastmile.db'}"
        found, verdict, weight = _bench("SQLite (WAL)", url, Path(folder))
        rows += found
        verdicts.append(verdict)
    if postgres_reachable(POSTGRES_URL):
        with postgres_schema_url(POSTGRES_URL) as url, tempfile.TemporaryDirectory() as folder:
            found, verdict, _ = _bench("PostgreSQL 15", url, Path(folder))
            rows += found
            verdicts.append(verdict)
    else:
        rows.append("| PostgreSQL 15 | not reachable | | | | | |")
    print(
        HEADER.format(
            shipments=(ROUTES_STARTED + ROUTES_PLANNED) * STOPS,
            routes=ROUTES_STARTED + ROUTES_PLANNED,
            stops=STOPS,
            started=ROUTES_STARTED,
            planned=ROUTES_PLANNED,
            viewers=VIEWERS,
            sequential=SEQUENTIAL,
            clients=PARALLEL_CLIENTS,
            each=PARALLEL_EACH,
            target=TARGET_MS,
        )
    )
    print("\n".join(rows))
    print()
    print("\n".join(verdicts))
    weight_rows, raw_total = weight
    print(WEIGHT.format(budget=BUDGET_BYTES // 1000))
    print("\n".join(weight_rows))
    verdict = "met" if raw_total < BUDGET_BYTES else "**not met**"
    print(
        f"\n- {BUDGET_BYTES // 1000} KB budget before the map: {verdict} "
        f"({raw_total / 1000:.1f} KB uncompressed)."
    )


if __name__ == "__main__":
    main()
