"""`make demo`: the bundled map, a seeded organisation, and a simulated fleet driving a planned day
against the server in this process, printed links to watch it live.

The drivers work in the driver app (`sim.actions.DriverAppActions`): signed in, on shift. The
day is kept across runs (`demo_day`): a second run resumes it where the phones left off.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.index import index_extract
from lastmile.db import Database
from lastmile.demo_day import DemoDay, write_day
from lastmile.demo_pay import give_pay_plans
from lastmile.errors import LastmileError
from lastmile.routing.maps import DEFAULT_MAP, ensure_default_map, map_dir
from lastmile.routing.tiles import TILE_EXTRACT, build_tiles
from lastmile.sim.actions import DriverAppActions
from lastmile.sim.cash import CashHabits
from lastmile.sim.day_run import drive, prepare, prepare_again
from lastmile.sim.fleet import Fleet
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
    hub_code: str = "SIM1"
    crew_tag: str = "demo"
    """The same drivers and vans every run (see `sim.crew`)."""
    timezone: str = "Europe/Helsinki"
    plan_seconds: float = 15.0
    regular_share: float = 0.2
    """Shipments to regular customers, the same addresses every day (`sim.regulars`): from the
    second demo day on their stops are where the drivers actually delivered (the drivers'
    tracks dwell at the doors, which confirms a delivery on its own: `addresses.learned`)."""

    @property
    def identity(self) -> tuple[int, int, int, float]:
        """What a saved day must match to be resumed by this fleet."""
        return (self.drivers, self.stops_per_driver, self.seed, self.speed)

    def scenario(self) -> Scenario:
        return Scenario(
            drivers=self.drivers,
            stops_per_driver=self.stops_per_driver,
            seed=self.seed,
            hub_code=self.hub_code,
            timezone=self.timezone,
            shift_s=self.shift_hours * 3600.0,
            plan_seconds=self.plan_seconds,
            crew_tag=self.crew_tag,
            regular_share=self.regular_share,
        )


@dataclass(frozen=True, eq=False)
class DemoPlan:
    """The day to drive: new, or taken up again from `resume_s`."""

    day: Day
    fleet: Fleet
    saved: DemoDay
    resume_s: float | None = None


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


def ensure_address_index(database: Database, data_dir: Path, say: Callable[[str], None]) -> None:
    """The bundled map's address index, built once into the database: the simulated
    merchant's regular customers are its addresses, sent as text only (`sim.regulars`)."""
    with database.session(writes=True) as session:
        if IndexGeocoder(session).has_index():
            return
        say("Indexing the map's addresses (once)...")
        try:
            index_extract(session=session, path=ensure_default_map(data_dir), map_name=DEFAULT_MAP)
        except LastmileError as error:
            say(f"  no address index ({error.detail}); every shipment keeps its pin")
            return
        session.commit()


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


@dataclass(frozen=True, slots=True)
class DriverAppLink:
    """A one-time sign-in link to the driver app, and the simulated driver it signs in as."""

    url: str
    driver_name: str

    @property
    def note(self) -> str:
        """What the person opening it should know: they share the driver with the simulator."""
        return (
            f"Signs you in as {self.driver_name}, whom the simulator also drives;"
            " signing out ends only your session."
        )


def driver_signin_link(url: str, api_key: str, day: Day) -> DriverAppLink | None:
    """A one-time driver app sign-in link for the first route's driver (None without routes)."""
    if not day.routes:
        return None
    driver_id = day.routes[0].driver_id
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        issued = client.post(f"/api/v1/drivers/{driver_id}/signin-links")
        issued.raise_for_status()
    token = str(issued.json()["url"]).rpartition("#link=")[2]
    member = day.crew.get(driver_id)
    name = member.name if member is not None else "the first route's driver"
    return DriverAppLink(f"{url}/driver/#link={token}", name)


def plan_day(
    *,
    url: str,
    api_key: str,
    org_id: str,
    data_dir: Path,
    fleet: DemoFleet,
    resume: DemoDay | None,
    say: Callable[[str], None],
    after: date | None = None,
) -> DemoPlan:
    """Read the saved day back from the server to resume it, or set a new one up and save it
    (on a later date than `after`, when given)."""
    scenario = fleet.scenario()
    if resume is not None:
        day, planned = prepare_again(
            url=url,
            api_key=api_key,
            scenario=scenario,
            route_ids=resume.route_ids,
            start_s=resume.start_s,
            data_dir=data_dir,
            map_name=None,
        )
        target_s = resume.sim_now_s(time.time())
        resume_s = min(target_s, max(planned.start_s, _last_fix_s(url, api_key, day)))
        zone = ZoneInfo(day.timezone)
        say(
            f"The phones take the day up at {datetime.fromtimestamp(resume_s, zone):%H:%M}"
            f" and catch up to {datetime.fromtimestamp(target_s, zone):%H:%M} ({day.timezone})."
        )
        planned = replace(planned, head_start_s=max(0.0, target_s - resume_s))
        return DemoPlan(day, planned, resume, resume_s)
    say(f"Planning a day for {fleet.drivers} drivers x {fleet.stops_per_driver} stops...")
    day, planned = prepare(
        url=url,
        api_key=api_key,
        scenario=scenario,
        speed=fleet.speed,
        data_dir=data_dir,
        map_name=None,
        head_start_s=fleet.head_start_s,
        after=after,
    )
    saved = DemoDay(
        org_id=org_id,
        date=day.date,
        timezone=day.timezone,
        route_ids=[r.route_id for r in day.routes],
        start_s=day.start_s,
        end_s=planned.end_s,
        anchor_real_s=time.time(),
        anchor_sim_s=planned.start_s + planned.head_start_s,
        speed=fleet.speed,
        drivers=fleet.drivers,
        stops_per_driver=fleet.stops_per_driver,
        seed=fleet.seed,
    )
    write_day(data_dir, saved)
    say(_day_note(planned, day, fleet.speed, now_s=time.time()))
    return DemoPlan(day, planned, saved)


def _day_note(planned: Fleet, day: Day, speed: float, *, now_s: float) -> str:
    """How the new day runs, or, when it is the next date's, when it starts."""
    zone = ZoneInfo(day.timezone)
    runs = (
        f"{datetime.fromtimestamp(planned.start_s, zone):%H:%M} to"
        f" {datetime.fromtimestamp(planned.end_s, zone):%H:%M} ({day.timezone})"
    )
    if planned.start_s > now_s:
        return (
            f"The next date's day ({day.date}) runs {runs}, live: no day fits before"
            " midnight any more, so the vans leave when the hub opens."
        )
    return (
        f"The day runs {runs} at x{speed:g}; it opens {planned.head_start_s / 60:.0f}"
        " minutes in, fast-forwarded."
    )


def _last_fix_s(url: str, api_key: str, day: Day) -> float:
    """The time of the latest position any of the day's drivers reported (0 without any)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        answer = client.get("/api/v1/fleet/positions")
        answer.raise_for_status()
    return max(
        (
            datetime.fromisoformat(p["at"]).timestamp()
            for p in answer.json()
            if p["driver_id"] in day.crew
        ),
        default=0.0,
    )


def run_fleet(
    *,
    url: str,
    api_key: str,
    org_id: str,
    data_dir: Path,
    fleet: DemoFleet,
    resume: DemoDay | None,
    on_ready: Callable[[list[str], DriverAppLink | None], None],
    say: Callable[[str], None],
) -> None:
    """Plan (or resume) the day on the server, announce the links, then drive it in the
    driver app (blocking; for a thread). At real-time speed the demo stays live: once a day is
    over the next date's is set up, its vans leaving after midnight."""
    wait_until_up(url)
    after: date | None = None
    while True:
        plan = plan_day(
            url=url,
            api_key=api_key,
            org_id=org_id,
            data_dir=data_dir,
            fleet=fleet,
            resume=resume,
            say=say,
            after=after,
        )
        give_pay_plans(
            url=url,
            api_key=api_key,
            driver_ids=plan.day.crew,
            valid_from=plan.day.date.replace(day=1),
        )
        now_s = plan.resume_s if plan.resume_s is not None else plan.fleet.start_s
        due_after_s = now_s + plan.fleet.head_start_s + LINK_LEAD_S * fleet.speed
        links = tracking_links(url, api_key, plan.day, due_after_s=due_after_s)
        on_ready(links, driver_signin_link(url, api_key, plan.day))
        stats = asyncio.run(
            drive(
                plan.fleet,
                url=url,
                api_key=api_key,
                speed=fleet.speed,
                actions=DriverAppActions(
                    api_key=api_key,
                    crew=plan.day.crew,
                    timezone=plan.day.timezone,
                    cash=CashHabits(seed=fleet.seed),
                ),
                quiet=True,
                resume_s=plan.resume_s,
            )
        )
        say(
            f"The simulated day is over: {stats.summary()}."
            " The server keeps running (Ctrl-C stops)."
        )
        for error in stats.errors[:5]:
            say(f"  {error}")
        day = plan.day.date
        today = datetime.now(ZoneInfo(fleet.timezone)).date()
        # A replay is not followed; nor is a day that ended before its date came (it failed),
        # lest the demo set up one day after another.
        if fleet.speed > 1.0 or day > today:
            return
        resume, after = None, day
        say(f"Setting up the day after {day}; its vans leave after midnight.")


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
