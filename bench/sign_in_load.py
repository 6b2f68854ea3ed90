"""Sixteen parallel sign-in loops against a real server: do `/healthz` and a tracking page
stay within 2x of their idle latency?

A real `lastmile serve` (one uvicorn process, SQLite in a fresh data directory) with one
organisation, a dispatcher and a shipment. First `--seconds` of idle probing: one client asks
for `/healthz` and for the shipment's tracking page in turn. Then the same probing while
`--loops` threads (default 16) each post wrong passwords for the dispatcher to
`POST /auth/login` as fast as they are answered. Printed: the probes' p50/p95 idle and under
load and their ratio, and the sign-ins' answers by status. It runs twice: with the shipped
rate limits, and with `LASTMILE_RATE_LIMITS=false`, where every attempt is hashed and only
the hashing gate (`auth/hashing.py`) keeps a core for the others.

Run: `.venv/bin/python bench/sign_in_load.py [--seconds 15] [--loops 16]` from the root.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.db import Database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testkit.bodies import shipment_body  # noqa: E402
from testkit.servers import Server  # noqa: E402

EMAIL = "dispatcher@example.com"
PASSWORD = "correct horse battery staple"
PROBES = ("/healthz", "tracking page")


def _prepare(data_dir: Path) -> tuple[str, str]:
    """An organisation with a dispatcher and an API key, in the server's database."""
    database = Database.from_url(f"sqlite:///{data_dir / 'lastmile.db'}")
    with database.session() as session:
        org = auth.create_organization(session=session, name="Bench")
        auth.create_user(
            session=session,
            org_id=org.id,
            email=EMAIL,
            name="Dana",
            role=Role.DISPATCHER,
            password=PASSWORD,
        )
        _, key = auth.create_api_key(session=session, org_id=org.id, name="bench", role=Role.ADMIN)
        session.commit()
    database.engine.dispose()
    return key, EMAIL


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _probe(base: str, tracking: str, seconds: float) -> dict[str, list[float]]:
    """Latencies in ms of `/healthz` and the tracking page, asked in turn for `seconds`."""
    found: dict[str, list[float]] = {name: [] for name in PROBES}
    with httpx.Client(base_url=base, timeout=30.0) as client:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            for name, path in zip(PROBES, ("/healthz", tracking), strict=True):
                started = time.perf_counter()
                response = client.get(path)
                elapsed_ms = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (path, response.status_code)
                found[name].append(elapsed_ms)
    return found


def _sign_in_loop(
    base: str, stop: threading.Event, answers: Counter[int], lock: threading.Lock
) -> None:
    body = {"email": EMAIL, "password": "wrong-password-1"}
    with httpx.Client(base_url=base, timeout=60.0) as client:
        while not stop.is_set():
            try:
                status = client.post("/auth/login", json=body).status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                answers[status] += 1


def _run(label: str, env: dict[str, str], args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="lastmile-sign-in-") as tmp:
        data_dir = Path(tmp)
        server = Server({**env, "LASTMILE_DATA_DIR": str(data_dir)})
        server.start()
        try:
            key, _ = _prepare(data_dir)
            created = httpx.post(
                f"{server.url}/api/v1/shipments",
                json=shipment_body(),
                headers={"Authorization": f"Bearer {key}"},
            )
            created.raise_for_status()
            tracking = "/t/" + created.json()["tracking_url"].rsplit("/t/", 1)[1]
            _probe(server.url, tracking, 2.0)  # warm up
            idle = _probe(server.url, tracking, args.seconds)
            stop, lock, answers = threading.Event(), threading.Lock(), Counter[int]()
            loops = [
                threading.Thread(target=_sign_in_loop, args=(server.url, stop, answers, lock))
                for _ in range(args.loops)
            ]
            for loop in loops:
                loop.start()
            try:
                loaded = _probe(server.url, tracking, args.seconds)
            finally:
                stop.set()
                for loop in loops:
                    loop.join()
        finally:
            server.stop()
    lines = [f"{label}: {args.loops} sign-in loops for {args.seconds:g} s"]
    for name in PROBES:
        p50_idle, p50_load = _percentile(idle[name], 0.5), _percentile(loaded[name], 0.5)
        p95_idle, p95_load = _percentile(idle[name], 0.95), _percentile(loaded[name], 0.95)
        lines.append(
            f"  {name:14} idle p50 {p50_idle:6.1f} ms p95 {p95_idle:6.1f} ms | "
            f"loaded p50 {p50_load:6.1f} ms p95 {p95_load:6.1f} ms | "
            f"ratio p50 {p50_load / p50_idle:4.2f}x p95 {p95_load / p95_idle:4.2f}x"
        )
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(answers.items()))
    lines.append(f"  sign-in answers: {statuses}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--loops", type=int, default=16)
    args = parser.parse_args()
    env = {
        **os.environ,
        "LASTMILE_ENV": "development",
        "LASTMILE_RUN_WORKERS": "false",
        "LASTMILE_ACCESS_LOG": "false",
        "LASTMILE_PUBLIC_URL": "http://127.0.0.1",
        # The probe stands for many customers, each on their own address: one address
        # asking as fast as it is answered would meet the per-address tracking limit.
        "LASTMILE_RATE_LIMIT_TRACKING_IP": "1000000/minute",
    }
    print(_run("shipped rate limits", env, args), flush=True)
    print(_run("rate limits off", {**env, "LASTMILE_RATE_LIMITS": "false"}, args), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
