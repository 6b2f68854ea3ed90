"""The embedded default under its own demo: SQLite, one process, no 503s.

A real `lastmile demo` (SQLite in WAL mode in a fresh data directory, its simulated fleet
posting fixes and shipment events, the outbox worker, live ETAs and alert monitor in the same
process) is the background load. Meanwhile `--clients` dispatchers (default 10), each on a
thread of its own, sign in to the Control Tower and ask for a plan (`POST /api/v1/plans`, one
second of solving, for tomorrow's 20 shipments) in turn for `--seconds` (default 120). Printed:
answers by status, the count of 5xx (target 0), sign-in and plan latency percentiles, and the
server log's lines about a busy or locked database.

Run: `.venv/bin/python bench/embedded.py [--seconds 120] [--port 8731]` from the repository root.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from lastmile.demo import CREDENTIALS_FILE, DEMO_ADMIN_EMAIL

ROOT = Path(__file__).resolve().parents[1]

COMMAND = ".venv/bin/python bench/embedded.py"
LIVE = "Lastmile demo is live"
START_TIMEOUT_S = 300.0
SHIPMENTS = 20
PLAN_TIME_LIMIT_S = 1.0
BUSY_LINES = ("SQLite was busy", "SQLite stayed busy", "database is locked")


def _start_demo(data_dir: Path, port: int, drivers: int, speed: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LASTMILE_DATA_DIR": str(data_dir)}
    log = (data_dir / "demo.log").open("wb")
    command = [
        str(ROOT / ".venv" / "bin" / "lastmile"),
        "demo",
        "--fresh",
        "--no-map",
        f"--drivers={drivers}",
        f"--speed={speed:g}",
        "--host=127.0.0.1",
        f"--port={port}",
    ]
    return subprocess.Popen(command, cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_live(demo: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise SystemExit(f"the demo exited ({demo.returncode}):\n{log.read_text()[-3000:]}")
        if LIVE in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise SystemExit(f"the demo was not live within {START_TIMEOUT_S:.0f} s")


def _tomorrow_shipments(client: httpx.Client, headers: dict[str, str]) -> tuple[str, str]:
    """The demo hub's id and tomorrow's date, with `SHIPMENTS` new shipments to plan."""
    hubs = client.get("/api/v1/hubs", headers=headers)
    hubs.raise_for_status()
    hub = hubs.json()[0] if isinstance(hubs.json(), list) else hubs.json()["items"][0]
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    for index in range(SHIPMENTS):
        start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        body = {
            "recipient": {"name": f"Bench {index}", "phone": "+358401234567"},
            "address": {
                "text": f"Bench street {index}, Helsinki",
                "lat": hub["lat"] + 0.002 * (index % 5 - 2),
                "lon": hub["lon"] + 0.003 * (index // 5 - 2),
            },
            "window": {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=8)).isoformat(),
            },
            "parcel_count": 1,
            "hub_id": hub["id"],
        }
        created = client.post("/api/v1/shipments", json=body, headers=headers)
        if created.status_code != 201:
            raise SystemExit(f"could not create a shipment: {created.status_code} {created.text}")
    return hub["id"], day.isoformat()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.latencies_ms: dict[str, list[float]] = {"sign-in": [], "plan": []}
        self.errors: Counter[str] = Counter()

    def add(self, kind: str, status: int, elapsed_s: float) -> None:
        with self.lock:
            self.statuses[kind, status] += 1
            self.latencies_ms[kind].append(elapsed_s * 1000)


def _dispatcher(
    base: str, password: str, api_key: str, plan: dict[str, Any], until: float, tally: Tally
) -> None:
    form = {"email": DEMO_ADMIN_EMAIL, "password": password}
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base, timeout=60.0) as client:
        while time.monotonic() < until:
            for kind in ("sign-in", "plan"):
                started = time.perf_counter()
                try:
                    if kind == "sign-in":
                        response = client.post(
                            "/control-tower/sign-in",
                            data=form,
                            headers={"Accept": "text/html"},
                            follow_redirects=False,
                        )
                    else:
                        response = client.post("/api/v1/plans", json=plan, headers=headers)
                except httpx.HTTPError as error:
                    with tally.lock:
                        tally.errors[f"{kind}: {type(error).__name__}"] += 1
                    continue
                tally.add(kind, response.status_code, time.perf_counter() - started)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(args: argparse.Namespace, tally: Tally, busy_lines: Counter[str], log: str) -> str:
    server_errors = sum(n for (_, status), n in tally.statuses.items() if status >= 500)
    rows = []
    for kind, latencies in tally.latencies_ms.items():
        answers = ", ".join(
            f"{n} x {status}" for (k, status), n in sorted(tally.statuses.items()) if k == kind
        )
        rows.append(
            f"| {kind} | {answers} | {_percentile(latencies, 0.5):.0f} | "
            f"{_percentile(latencies, 0.99):.0f} | {max(latencies, default=float('nan')):.0f} |"
        )
    failures = ", ".join(f"{n} x {what}" for what, n in tally.errors.items()) or "none"
    busy = ", ".join(f"{n} x “{line}”" for line, n in busy_lines.items() if n) or "none"
    return "\n".join(
        [
            "## The embedded default under its own demo (SQLite)",
            "",
            f"`{COMMAND} --seconds {args.seconds:g}`: `lastmile demo --no-map "
            f"--drivers {args.drivers} --speed {args.speed:g}` on SQLite in a fresh data "
            f"directory, plus {args.clients} dispatchers each signing in to the Control Tower "
            f"and asking for a plan ({SHIPMENTS} shipments, {PLAN_TIME_LIMIT_S:g} s of solving) "
            f"in turn for {args.seconds:g} s.",
            "",
            "| request | answers | p50 ms | p99 ms | max ms |",
            "|---|---|---:|---:|---:|",
            *rows,
            "",
            f"**5xx answers: {server_errors}** (target 0). Transport failures: {failures}. "
            f"Server log lines about a busy database: {busy}. "
            f"The demo logged {log.count(' ERROR ')} ERROR lines.",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the load runs")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--drivers", type=int, default=8, help="the demo's simulated fleet")
    parser.add_argument("--speed", type=float, default=10.0, help="the demo's time speed-up")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="lm-bench-embedded-", dir="/tmp"))
    demo = _start_demo(data_dir, args.port, args.drivers, args.speed)
    log_path = data_dir / "demo.log"
    try:
        _wait_live(demo, log_path)
        kept = json.loads((data_dir / CREDENTIALS_FILE).read_text())
        base = f"http://127.0.0.1:{args.port}"
        headers = {"Authorization": f"Bearer {kept['api_key']}"}
        with httpx.Client(base_url=base, timeout=60.0) as client:
            hub_id, day = _tomorrow_shipments(client, headers)
        plan = {"hub_id": hub_id, "date": day, "time_limit_s": PLAN_TIME_LIMIT_S}
        offset = len(log_path.read_text(errors="replace"))
        tally = Tally()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=_dispatcher,
                args=(base, kept["admin_password"], kept["api_key"], plan, until, tally),
            )
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = log_path.read_text(errors="replace")[offset:]
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
    busy_lines = Counter({line: log.count(line) for line in BUSY_LINES})
    print(_report(args, tally, busy_lines, log))
    print(f"(data and the demo's log kept in {data_dir})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
