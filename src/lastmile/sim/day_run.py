"""A simulated day: set up on a server (planned there), then driven with simulated phones."""

import math
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import typer

from lastmile.progress import progress_bar
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import RoadNetwork
from lastmile.sim.action_kinds import ActionsKind
from lastmile.sim.actions import DriverActions, DriverAppActions, ShipmentEventActions
from lastmile.sim.cash import CashHabits
from lastmile.sim.clock import SimClock, lay_out_day
from lastmile.sim.driver import LOADING_S, straight_detour
from lastmile.sim.fleet import Fleet, build_fleet, road_detour, road_speeds
from lastmile.sim.gps import PhoneProfile
from lastmile.sim.incidents import IncidentRates, at
from lastmile.sim.runner import Runner, RunStats
from lastmile.sim.world import Api, Day, Scenario, load_day, local_network, setup_day

OVERRUN_S = 3600.0
"""Room after the shift for a day that runs late (halts, traffic, late stops); a shift shorter
than two hours gets half its length."""
MIN_SHIFT_S = 3600.0
"""The shortest shift a day is cut to so as to end before the hub's local midnight; later in
the evening a real-time day is the next date's instead (`clock.lay_out_day`)."""


def prepare(
    *,
    url: str,
    api_key: str,
    scenario: Scenario,
    speed: float,
    data_dir: Path,
    map_name: str | None,
    profile: PhoneProfile = PhoneProfile(),
    rates: IncidentRates = IncidentRates(),
    head_start_s: float = 0.0,
    now_s: float | None = None,
    after: date | None = None,
) -> tuple[Day, Fleet]:
    """Set the day up on the server and build every driver's day (blocking), laid out as if
    started at `now_s` (default: now).

    The day is laid out to end as real time catches up with it, on one local date at the hub
    (`clock.lay_out_day`): the shift is cut short (down to `MIN_SHIFT_S`, its stops with it)
    rather than moved into the past (at infinite speed never: it is replayed whole, earlier);
    at real-time speed, too late in the evening for that, it is the next date's day, starting
    after midnight. With `head_start_s` it starts that much earlier (less, so as not to start
    before today's midnight); the fleet carries the head start it got, for `drive` to catch up
    on. With `after`, a real-time day lies on a later date than that one (the day after a
    finished one).
    """
    network, area = local_network(data_dir, map_name)
    layout = lay_out_day(
        duration_s=day_length_s(scenario.shift_s),
        speed=speed,
        now_s=time.time() if now_s is None else now_s,
        timezone=scenario.timezone,
        head_start_s=head_start_s,
        shortest_s=day_length_s(min(MIN_SHIFT_S, scenario.shift_s)),
        after=after,
    )
    scenario = _shortened(scenario, shift_s=_shift_within_s(layout.duration_s))
    start = layout.start_s
    with httpx.Client(base_url=url, timeout=120.0) as client:
        day = setup_day(
            Api(client, api_key), scenario, network=network, area=area, start_s=start + LOADING_S
        )
    fleet = _fleet(day, scenario, network, profile, rates)
    return day, replace(fleet, head_start_s=layout.head_start_s)


def prepare_again(
    *,
    url: str,
    api_key: str,
    scenario: Scenario,
    route_ids: list[str],
    start_s: float,
    data_dir: Path,
    map_name: str | None,
    profile: PhoneProfile = PhoneProfile(),
    rates: IncidentRates = IncidentRates(),
) -> tuple[Day, Fleet]:
    """The day `prepare` set up (its routes named, the hub opening at `start_s`) read back from
    the server, and the same fleet built for it (blocking)."""
    network, _ = local_network(data_dir, map_name)
    with httpx.Client(base_url=url, timeout=120.0) as client:
        day = load_day(
            Api(client, api_key), scenario, route_ids=route_ids, start_s=start_s, network=network
        )
    return day, _fleet(day, scenario, network, profile, rates)


def _fleet(
    day: Day,
    scenario: Scenario,
    network: RoadNetwork,
    profile: PhoneProfile,
    rates: IncidentRates,
) -> Fleet:
    on_roads = not isinstance(network, HaversineNetwork)
    return build_fleet(
        day,
        seed=scenario.seed,
        detour=road_detour(network) if on_roads else straight_detour,
        speeds=road_speeds(network) if on_roads else None,
        profile=profile,
        rates=rates,
    )


def day_length_s(shift_s: float) -> float:
    """A day with a shift of `shift_s`: loading, the shift, and room to run late.

    >>> day_length_s(4 * 3600.0) / 3600.0, day_length_s(3600.0) / 3600.0
    (5.333333333333333, 1.8333333333333333)
    """
    return LOADING_S + shift_s + min(OVERRUN_S, shift_s / 2.0)


def _shift_within_s(day_s: float) -> float:
    """The longest shift whose `day_length_s` is at most `day_s`.

    >>> _shift_within_s(day_length_s(4 * 3600.0)), _shift_within_s(day_length_s(3600.0))
    (14400.0, 3600.0)
    """
    after_loading_s = day_s - LOADING_S
    if after_loading_s >= 3.0 * OVERRUN_S:
        return after_loading_s - OVERRUN_S
    return after_loading_s / 1.5


def _shortened(scenario: Scenario, *, shift_s: float) -> Scenario:
    """The scenario with its shift cut to `shift_s` (when shorter), its stops in proportion."""
    if shift_s >= scenario.shift_s:
        return scenario
    stops = max(1, math.ceil(scenario.stops_per_driver * shift_s / scenario.shift_s))
    return replace(scenario, shift_s=shift_s, stops_per_driver=stops)


def driver_actions(kind: ActionsKind, *, api_key: str, day: Day, seed: int = 1) -> DriverActions:
    """The drivers working in the driver app (signed in, on shift, their cash counted as
    `seed` has it), or the integrator's way."""
    if kind == "events":
        return ShipmentEventActions(api_key)
    return DriverAppActions(
        api_key=api_key, crew=day.crew, timezone=day.timezone, cash=CashHabits(seed=seed)
    )


async def drive(
    fleet: Fleet,
    *,
    url: str,
    api_key: str,
    speed: float,
    actions: DriverActions | None = None,
    concurrency: int = 64,
    quiet: bool = False,
    resume_s: float | None = None,
) -> RunStats:
    """Replay the fleet's day against the server at `speed` (inf: as fast as possible), the
    drivers' actions sent by `actions` (default: `ShipmentEventActions`).

    A fleet with a head start is driven at `CATCH_UP_SPEED` until it is back on its
    anchored timeline. With `resume_s` the day is taken up again from there (see `Runner.run`).
    """
    start_s = fleet.start_s if resume_s is None else resume_s
    clock = SimClock(start_s=start_s, speed=speed, head_start_s=fleet.head_start_s)

    with progress_bar("driving", total=fleet.end_s - start_s, enabled=not quiet) as bar:

        def progress(stats: RunStats, sim_s: float) -> None:
            counts = (
                f"fixes {stats.fixes:>7}  actions {stats.actions:>4}"
                f"  refused {stats.refused}  failed {stats.failed}"
            )
            if bar.shown:
                bar.update(
                    completed=sim_s - start_s, description=f"{at(sim_s):%H:%M} UTC  {counts}"
                )
            elif not quiet:  # a log, not a terminal: one line every few seconds
                typer.echo(f"  {at(sim_s):%H:%M:%S} UTC  {counts}")

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:
            runner = Runner(
                client=client,
                actions=actions or ShipmentEventActions(api_key),
                clock=clock,
                concurrency=concurrency,
                progress=progress,
                progress_every_s=0.5 if bar.shown else 5.0,
            )
            return await runner.run(fleet.phones, resume_s=resume_s)
