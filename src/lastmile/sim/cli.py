"""`lastmile simulate`: set a day up on a server and drive it with simulated phones."""

import asyncio
import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import typer

from lastmile.config import Settings
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import RoadNetwork
from lastmile.sim.actions import DriverActions, DriverAppActions, ShipmentEventActions
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
ActionsKind = Literal["app", "events"]


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


def driver_actions(kind: ActionsKind, *, api_key: str, day: Day) -> DriverActions:
    """The drivers working in the driver app (signed in, on shift), or the integrator's way."""
    if kind == "events":
        return ShipmentEventActions(api_key)
    return DriverAppActions(api_key=api_key, crew=day.crew)


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

    def progress(stats: RunStats, sim_s: float) -> None:
        if not quiet:
            typer.echo(
                f"  {at(sim_s):%H:%M:%S} UTC  fixes {stats.fixes:>7}  actions {stats.actions:>4}"
                f"  refused {stats.refused}  failed {stats.failed}"
            )

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:
        runner = Runner(
            client=client,
            actions=actions or ShipmentEventActions(api_key),
            clock=clock,
            concurrency=concurrency,
            progress=progress,
        )
        return await runner.run(fleet.phones, resume_s=resume_s)


def simulate(
    url: Annotated[str, typer.Option(help="The server, e.g. http://127.0.0.1:8000")],
    api_key: Annotated[
        str, typer.Option(help="An admin or dispatcher API key", envvar="LASTMILE_API_KEY")
    ],
    drivers: Annotated[int, typer.Option(min=1, max=5000, help="Drivers on the road")] = 3,
    stops: Annotated[int, typer.Option(min=1, max=200, help="Stops per driver")] = 10,
    speed: Annotated[
        float,
        typer.Option(help="Times faster than real time (1, 10, 60); inf: as fast as possible"),
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="The same seed gives the same day")] = 1,
    hub_code: Annotated[str, typer.Option(help="Hub to use (created, or reused by code)")] = "SIM1",
    shift_hours: Annotated[float, typer.Option(min=1, max=14, help="Length of the shift")] = 8.0,
    truth: Annotated[
        Path | None, typer.Option(help="Write the ground truth here (JSON lines)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the map is (default: settings)")
    ] = None,
    map_name: Annotated[
        str | None, typer.Option("--map", help="Map name (default: settings)")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=2000)] = 64,
    timezone: Annotated[str, typer.Option(help="The hub's time zone")] = "Europe/Helsinki",
    actions: Annotated[
        ActionsKind,
        typer.Option(
            help="app: drivers sign in to the driver app, work shifts and stops there"
            " (the server hashes a PIN per driver: ~0.3 s of its CPU each);"
            " events: the integrator's shipment events with the API key, nobody on shift"
        ),
    ] = "app",
) -> None:
    """Simulate a day of deliveries: plan it on the server, then drive it with phones."""
    if not speed > 0 or math.isnan(speed):
        raise typer.BadParameter("must be a positive number or inf", param_hint="--speed")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"{timezone!r} is not an IANA time zone"
        raise typer.BadParameter(message, param_hint="--timezone") from None
    settings = Settings()
    scenario = Scenario(
        drivers=drivers,
        stops_per_driver=stops,
        seed=seed,
        hub_code=hub_code,
        shift_s=shift_hours * 3600.0,
        timezone=timezone,
        pins=actions == "app",
    )
    started = time.perf_counter()
    day, fleet = prepare(
        url=url,
        api_key=api_key,
        scenario=scenario,
        speed=speed,
        data_dir=data_dir or settings.data_dir,
        map_name=map_name or settings.map_name,
    )
    if not day.routes:
        reasons = "; ".join(u["message"] for u in day.unassigned[:3])
        typer.echo(f"the planner made no route for day {day.date}: {reasons}", err=True)
        raise typer.Exit(1)
    stops_planned = sum(len(r.stops) for r in day.routes)
    typer.echo(
        f"day {day.date} at hub {hub_code}: {len(day.routes)} routes, {stops_planned} stops"
        f" ({len(day.unassigned)} unassigned), set up in {time.perf_counter() - started:.1f} s;"
        f" driving {at(fleet.start_s):%H:%M} to {at(fleet.end_s):%H:%M} UTC at x{speed:g}"
    )
    if truth is not None:
        fleet.truth.write(truth)
        typer.echo(f"ground truth: {truth} ({len(fleet.truth.records)} records)")
    stats = asyncio.run(
        drive(
            fleet,
            url=url,
            api_key=api_key,
            speed=speed,
            actions=driver_actions(actions, api_key=api_key, day=day),
            concurrency=concurrency,
        )
    )
    typer.echo(json.dumps(stats.summary()))
    for error in stats.errors[:5]:
        typer.echo(f"  {error}", err=True)
