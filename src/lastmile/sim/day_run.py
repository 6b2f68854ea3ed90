"""A simulated day: set up on a server (planned there), then driven with simulated phones."""

import time
from dataclasses import replace
from pathlib import Path

import httpx
import typer

from lastmile.progress import progress_bar
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import RoadNetwork
from lastmile.sim.action_kinds import ActionsKind
from lastmile.sim.actions import DriverActions, DriverAppActions, ShipmentEventActions
from lastmile.sim.cash import CashHabits
from lastmile.sim.clock import SimClock, day_start_s, longest_day_s
from lastmile.sim.driver import LOADING_S, straight_detour
from lastmile.sim.fleet import Fleet, build_fleet, road_detour, road_speeds
from lastmile.sim.gps import PhoneProfile
from lastmile.sim.incidents import IncidentRates, at
from lastmile.sim.runner import Runner, RunStats
from lastmile.sim.world import Api, Day, Scenario, load_day, local_network, setup_day

OVERRUN_S = 3600.0
"""Room after the shift for a day that runs late (halts, traffic, late stops)."""
MIN_SHIFT_S = 2 * 3600.0
"""The shortest shift a day is cut to so as to end before the hub's local midnight."""


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
) -> tuple[Day, Fleet]:
    """Set the day up on the server and build every driver's day (blocking).

    The day is laid out to end as real time catches up with it, on the hub's local date
    today: the shift is cut short (down to `MIN_SHIFT_S`) rather than moved into the past.
    With `head_start_s` it starts that much earlier; the fleet carries it, for `drive` to
    catch up on.
    """
    network, area = local_network(data_dir, map_name)
    now_s = time.time()
    scenario = _fit_today(scenario, speed=speed, now_s=now_s, head_start_s=head_start_s)
    start = day_start_s(
        duration_s=LOADING_S + scenario.shift_s + OVERRUN_S,
        speed=speed,
        now_s=now_s,
        timezone=scenario.timezone,
        head_start_s=head_start_s,
    )
    with httpx.Client(base_url=url, timeout=120.0) as client:
        day = setup_day(
            Api(client, api_key), scenario, network=network, area=area, start_s=start + LOADING_S
        )
    fleet = _fleet(day, scenario, network, profile, rates)
    return day, replace(fleet, head_start_s=head_start_s)


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


def _fit_today(scenario: Scenario, *, speed: float, now_s: float, head_start_s: float) -> Scenario:
    extra_s = LOADING_S + OVERRUN_S
    fits_s = longest_day_s(
        duration_s=scenario.shift_s + extra_s,
        speed=speed,
        now_s=now_s,
        timezone=scenario.timezone,
        head_start_s=head_start_s,
    )
    if fits_s - extra_s >= min(MIN_SHIFT_S, scenario.shift_s):
        return replace(scenario, shift_s=min(scenario.shift_s, fits_s - extra_s))
    return scenario


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
