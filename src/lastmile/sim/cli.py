"""`lastmile simulate`: set a day up on a server and drive it with simulated phones."""

import json
import math
import time
from pathlib import Path
from typing import Annotated

import typer

from lastmile.sim.action_kinds import ActionsKind


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
    import asyncio
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from lastmile.config import Settings
    from lastmile.sim.day_run import drive, driver_actions, prepare
    from lastmile.sim.incidents import at
    from lastmile.sim.world import Scenario

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
            actions=driver_actions(actions, api_key=api_key, day=day, seed=seed),
            concurrency=concurrency,
        )
    )
    typer.echo(json.dumps(stats.summary()))
    for error in stats.errors[:5]:
        typer.echo(f"  {error}", err=True)
