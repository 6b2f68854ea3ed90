"""The Control Tower map with 2,000 drivers, in real headless Chromium.

The app runs in-process (uvicorn in a thread, SQLite), one organisation with 2,000 drivers that
all have a position. A dispatcher signs in and opens `/control-tower`; then every driver's
position is published on the server's bus at one fix per 5 s each (400 messages/s), and in a
burst case at 2,000/s, for 20 s each. In the page: frame intervals (requestAnimationFrame),
long tasks (PerformanceObserver 'longtask'), and the delay from publishing a position to the
page moving its marker (a stamp in the message, read when the page's per-frame flush runs).

Run: `.venv/bin/python bench/control_tower.py` from the repository root; prints markdown.
"""

import asyncio
import math
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright
from testkit.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, serve, sign_in

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.bus.base import Bus, fleet_channel
from lastmile.db import Database
from lastmile.fleet.models import Driver
from lastmile.ingest.models import DriverPosition

COMMAND = ".venv/bin/python bench/control_tower.py"
DRIVERS = 2000
SECONDS = 20.0
TICK_S = 0.05
GOAL_P99_MS = 50.0
EMAIL = "bench@example.com"
PASSWORD = "correct horse battery staple"
CENTRE = (60.17, 24.94)

PROBE = """
window.__bench = { running: false, frames: [], longtasks: [], delays: [] };
new PerformanceObserver((list) => {
  if (!window.__bench.running) return;
  for (const entry of list.getEntries()) window.__bench.longtasks.push(entry.duration);
}).observe({ entryTypes: ["longtask"] });
let last = 0;
const tick = (t) => {
  if (window.__bench.running && last) window.__bench.frames.push(t - last);
  last = t;
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
document.addEventListener("positions-drawn", (event) => {
  if (!window.__bench.running) return;
  const now = Date.now();
  for (const message of event.detail.values()) {
    if (message.sent_ms) window.__bench.delays.push(now - message.sent_ms);
  }
});
"""


@dataclass(frozen=True)
class Case:
    name: str
    rate_per_s: float


CASES = (
    Case("idle (no updates)", 0.0),
    Case("1 fix / 5 s per driver", DRIVERS / 5.0),
    Case("burst: 1 fix / s per driver", float(DRIVERS)),
)


def _seed(db: Database) -> tuple[uuid.UUID, list[tuple[str, float, float]]]:
    """One organisation, a dispatcher, and DRIVERS drivers spread over the visible map."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    with db.session() as session:
        org = auth.create_organization(session=session, name="Bench Express")
        auth.create_user(
            session=session,
            org_id=org.id,
            email=EMAIL,
            name="Bench",
            role=Role.DISPATCHER,
            password=PASSWORD,
        )
        drivers = [Driver(org_id=org.id, name=f"Driver {k:04d}") for k in range(DRIVERS)]
        session.add_all(drivers)
        session.flush()
        placed = []
        for driver in drivers:
            lat = CENTRE[0] + rng.uniform(-0.05, 0.05)
            lon = CENTRE[1] + rng.uniform(-0.15, 0.15)
            placed.append((str(driver.id), lat, lon))
            session.add(
                DriverPosition(
                    org_id=org.id,
                    driver_id=driver.id,
                    device_id=f"bench-{driver.id}",
                    at=now,
                    received_at=now,
                    lat=lat,
                    lon=lon,
                )
            )
        session.commit()
        return org.id, placed


async def _publish(
    bus: Bus, channel: str, drivers: list[tuple[str, float, float]], rate_per_s: float
) -> int:
    """Publish positions at `rate_per_s`, round-robin over the drivers, for SECONDS."""
    loop = asyncio.get_running_loop()
    rng = random.Random(11)
    positions = {d: (lat, lon) for d, lat, lon in drivers}
    order = [d for d, _, _ in drivers]
    started = loop.time()
    sent = 0
    tick = 0
    while loop.time() - started < SECONDS:
        tick += 1
        due = int(rate_per_s * TICK_S * tick) - sent
        for _ in range(due):
            driver_id = order[sent % len(order)]
            lat, lon = positions[driver_id]
            heading = rng.uniform(0, 2 * math.pi)
            lat += 0.0002 * math.cos(heading)
            lon += 0.0004 * math.sin(heading)
            positions[driver_id] = (lat, lon)
            at = datetime.now(UTC).isoformat()
            await bus.publish(
                channel,
                {
                    "type": "position",
                    "driver_id": driver_id,
                    "device_id": f"bench-{driver_id}",
                    "lat": lat,
                    "lon": lon,
                    "at": at,
                    "speed_mps": 8.0,
                    "heading_deg": math.degrees(heading),
                    "accuracy_m": 5.0,
                    "mock": False,
                    "received_at": at,
                    "fixes": [[at, round(lat, 7), round(lon, 7)]],
                    "sent_ms": time.time() * 1000,
                },
            )
            sent += 1
        await asyncio.sleep(max(0.0, started + tick * TICK_S - loop.time()))
    return sent


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _dropped(bus: Bus, channel: str) -> int:
    """Messages the in-memory bus threw away because the page's stream fell behind."""
    subscribers = getattr(bus, "_subscribers", {}).get(channel, ())
    return sum(getattr(s, "dropped", 0) for s in subscribers)


def _measure(
    page: Page, served: LiveServer, org_id: uuid.UUID, drivers: list[Any], case: Case
) -> dict[str, Any]:
    page.evaluate(
        "() => Object.assign(window.__bench,"
        " { running: true, frames: [], longtasks: [], delays: [] })"
    )
    dropped_before = _dropped(served.app.state.bus, fleet_channel(org_id))
    if case.rate_per_s:
        future = asyncio.run_coroutine_threadsafe(
            _publish(served.app.state.bus, fleet_channel(org_id), drivers, case.rate_per_s),
            served.loop,
        )
        sent = future.result(timeout=SECONDS * 3)
    else:
        page.wait_for_timeout(SECONDS * 1000 / 4)
        sent = 0
    page.wait_for_timeout(1500)  # let the last messages arrive before stopping the probe
    result: dict[str, Any] = page.evaluate(
        "() => { window.__bench.running = false; return window.__bench; }"
    )
    frames, delays, longtasks = result["frames"], result["delays"], result["longtasks"]
    return {
        "case": case,
        "sent": sent,
        "dropped": _dropped(served.app.state.bus, fleet_channel(org_id)) - dropped_before,
        "load": os.getloadavg()[0],
        "drawn": len(delays),
        "frame_p50": _quantile(frames, 0.5),
        "frame_p99": _quantile(frames, 0.99),
        "frame_max": max(frames, default=float("nan")),
        "longtasks": len(longtasks),
        "longtask_ms": sum(longtasks),
        "delay_p50": _quantile(delays, 0.5),
        "delay_p99": _quantile(delays, 0.99),
    }


def _open(page: Page, url: str) -> None:
    sign_in(page, url, email=EMAIL, password=PASSWORD)
    page.wait_for_function(
        f"() => document.getElementById('map').dataset.drivers === '{DRIVERS}'", timeout=60_000
    )


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder, serve(Path(folder)) as served:
        org_id, drivers = _seed(served.db)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(PROBE)
            _open(page, served.url)
            page.wait_for_timeout(2000)
            results = [_measure(page, served, org_id, drivers, case) for case in CASES]
            browser.close()
    return results


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f} ms"


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "## Control Tower: the map with 2,000 drivers",
        "",
        f"The app in-process (SQLite, in-memory bus), one organisation with {DRIVERS:,} drivers on "
        "the map, one dispatcher's page in headless Chromium (1280x800, no map tiles) on the "
        "same 2-core machine as the server and the publisher. Positions are published on the "
        f"server's bus for {SECONDS:.0f} s per case and reach the page over the fleet SSE "
        "stream. Frames: intervals between `requestAnimationFrame` callbacks; long tasks: "
        "`PerformanceObserver('longtask')` (> 50 ms); publish → marker: from the publisher's "
        "stamp to the page's per-frame flush moving the marker (Leaflet paints the canvas in "
        "the next frame). Lost: dropped by the server's in-memory bus because the page's "
        "stream fell behind (the subscriber's queue holds 10,000). Load: the machine's 1-min "
        "load average at the end of the case (other work shares these 2 cores). "
        f"Goal: p99 frame interval under {GOAL_P99_MS:.0f} ms.",
        "",
        f"Command: `{COMMAND}`",
        "",
        "| case | published | lost | markers moved | frame p50 / p99 / max | long tasks (total) "
        "| publish → marker p50 / p99 | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['case'].name} ({r['case'].rate_per_s:,.0f}/s) | {r['sent']:,} "
            f"| {r['dropped']:,} | {r['drawn']:,} "
            f"| {_ms(r['frame_p50'])} / {_ms(r['frame_p99'])} / {_ms(r['frame_max'])} "
            f"| {r['longtasks']} ({_ms(r['longtask_ms'])}) "
            f"| {_ms(r['delay_p50'])} / {_ms(r['delay_p99'])} | {r['load']:.1f} |"
        )
    loaded = [r for r in results if r["case"].rate_per_s]
    worst = max(loaded, key=lambda r: r["frame_p99"])
    if all(round(r["frame_p99"]) < GOAL_P99_MS for r in loaded):
        verdict = (
            "The page stays responsive: the worst p99 frame interval is "
            f"{_ms(worst['frame_p99'])} ({worst['case'].name}), "
            f"under the {GOAL_P99_MS:.0f} ms goal."
        )
    else:
        verdict = (
            f"The page misses the goal: p99 frame interval {_ms(worst['frame_p99'])} "
            f"({worst['case'].name}) against {GOAL_P99_MS:.0f} ms."
        )
    lines += ["", verdict]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
