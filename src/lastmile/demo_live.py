"""`make demo`: the bundled map, a seeded organisation, and a simulated fleet driving a planned day
against the server in this process, printed links to watch it live."""

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from lastmile.errors import LastmileError
from lastmile.routing.maps import DEFAULT_MAP, ensure_default_map, map_dir
from lastmile.routing.tiles import TILE_EXTRACT, build_tiles
from lastmile.sim.cli import drive, prepare
from lastmile.sim.world import Day, Scenario

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 120.0
HEAD_START_S = 40 * 60.0
"""How far into the day the demo opens: the vans have loaded, most are twenty minutes out."""
LINK_LEAD_S = 300.0
"""Real seconds after the announcement before a linked shipment's stop is due, at the soonest."""


@dataclass(frozen=True, slots=True)
class DemoFleet:
    drivers: int = 8
    stops_per_driver: int = 25
    speed: float = 1.0
    shift_hours: float = 4.0
    seed: int = 1
    head_start_s: float = HEAD_START_S


def ensure_map(data_dir: Path, say: Callable[[str], None]) -> bool:
    """The bundled central-Helsinki map, fetched and built once; False when it cannot be."""
    if (map_dir(data_dir, DEFAULT_MAP) / TILE_EXTRACT).is_file():
        return True
    say("Preparing the central Helsinki map (once; © OpenStreetMap contributors, ODbL)...")
    try:
        pbf = ensure_default_map(data_dir)
        build_tiles(pbf, map_dir(data_dir, DEFAULT_MAP))
    except LastmileError as error:
        say(f"  no road map ({error.detail}); the demo drives in straight lines instead")
        return False
    return True


def wait_until_up(url: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on {url} did not come up in {timeout_s:.0f} s")


def tracking_links(
    url: str, api_key: str, day: Day, *, due_after_s: float, count: int = 3
) -> list[str]:
    """Tracking links of one stop on each of the first routes, the first due after `due_after_s`.

    A route with every stop due sooner gives its last stop.
    """
    numbers = [
        next(
            (s for s in route.stops if s.planned_arrival_s >= due_after_s), route.stops[-1]
        ).tracking_number
        for route in day.routes
        if route.stops
    ][:count]
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        return [str(client.get(f"/api/v1/shipments/{n}").json()["tracking_url"]) for n in numbers]


def driver_signin_link(url: str, api_key: str, day: Day) -> str | None:
    """A one-time driver app sign-in link for the first route's driver (None without routes)."""
    if not day.routes:
        return None
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        issued = client.post(f"/api/v1/drivers/{day.routes[0].driver_id}/signin-links")
        issued.raise_for_status()
    token = str(issued.json()["url"]).rpartition("#link=")[2]
    return f"{url}/driver/#link={token}"


def run_fleet(
    *,
    url: str,
    api_key: str,
    data_dir: Path,
    fleet: DemoFleet,
    on_ready: Callable[[list[str], str | None], None],
    say: Callable[[str], None],
) -> None:
    """Plan the day on the server, announce the links, then drive it (blocking; for a thread)."""
    wait_until_up(url)
    scenario = Scenario(
        drivers=fleet.drivers,
        stops_per_driver=fleet.stops_per_driver,
        seed=fleet.seed,
        shift_s=fleet.shift_hours * 3600.0,
        plan_seconds=15.0,
    )
    say(f"Planning a day for {fleet.drivers} drivers x {fleet.stops_per_driver} stops...")
    day, planned = prepare(
        url=url,
        api_key=api_key,
        scenario=scenario,
        speed=fleet.speed,
        data_dir=data_dir,
        map_name=None,
        head_start_s=fleet.head_start_s,
    )
    zone = ZoneInfo(day.timezone)
    say(
        f"The day runs {datetime.fromtimestamp(planned.start_s, zone):%H:%M} to"
        f" {datetime.fromtimestamp(planned.end_s, zone):%H:%M} ({day.timezone})"
        f" at x{fleet.speed:g}; it opens {planned.head_start_s / 60:.0f} minutes in,"
        " fast-forwarded."
    )
    due_after_s = planned.start_s + planned.head_start_s + LINK_LEAD_S * fleet.speed
    links = tracking_links(url, api_key, day, due_after_s=due_after_s)
    on_ready(links, driver_signin_link(url, api_key, day))
    stats = asyncio.run(drive(planned, url=url, api_key=api_key, speed=fleet.speed, quiet=True))
    say(f"The simulated day is over: {stats.summary()}. The server keeps running (Ctrl-C stops).")


def start_fleet_thread(job: Callable[[], None]) -> threading.Thread:
    """A `run_fleet` job in a daemon thread; a failure is logged, the server keeps serving."""

    def target() -> None:
        try:
            job()
        except Exception:
            log.exception("the simulated fleet stopped")

    thread = threading.Thread(target=target, name="demo-fleet", daemon=True)
    thread.start()
    return thread
