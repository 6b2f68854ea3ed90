"""The `lastmile` command."""

import json
import os
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lastmile.addresses.cli import addresses_app
from lastmile.auth.roles import Role
from lastmile.billing.cli import billing_app
from lastmile.dispatch.cli import plan_day
from lastmile.eta.cli import eta_app
from lastmile.planning.cli import plan_app
from lastmile.routing.cli import map_app
from lastmile.sim.cli import simulate
from lastmile.trips.cli import trips_app

if TYPE_CHECKING:
    from fastapi import FastAPI

    from lastmile.config import Settings
    from lastmile.db import Database

# Heavy imports (the server, the database models, the solver, the routing engine) live inside
# the commands that need them, so that `lastmile --help` answers at once.
app = typer.Typer(help="Lastmile: last-mile delivery tracking.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(map_app, name="map", help="Road maps: import OpenStreetMap extracts.")
app.add_typer(addresses_app, name="addresses", help="Addresses: the offline geocoder's index.")
app.add_typer(trips_app, name="trips", help="Stops and moves in GPS tracks.")
app.add_typer(eta_app, name="eta", help="ETA model: backtest on history.")
plan_app.command("day")(plan_day)
app.add_typer(plan_app, name="plan", help="Route planning (vehicle routing with time windows).")
app.command("simulate")(simulate)
app.add_typer(billing_app, name="billing", help="Billing: close a month's invoices.")


HostOption = Annotated[
    str | None,
    typer.Option(
        help="Interface to listen on (default: LASTMILE_HOST or 127.0.0.1; 0.0.0.0: all of them)"
    ),
]
PortOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=65535,
        help="TCP port (default: LASTMILE_PORT or 8000); the links handed out follow it"
        " unless LASTMILE_PUBLIC_URL is set",
    ),
]


def _served_at(host: str | None, port: int | None) -> dict[str, Any]:
    """Settings overrides for `--host` and `--port`: the public URL, when not configured,
    follows them (`Settings.public_url`)."""
    return {name: value for name, value in (("host", host), ("port", port)) if value is not None}


def _serve(app_: "FastAPI", settings: "Settings", *, log_level: str = "info") -> None:
    """The main server, plus Traccar's dedicated OsmAnd port when configured, in one process."""
    import asyncio

    import uvicorn

    from lastmile.ingest.osmand_port import OsmAndPort

    configs = [
        uvicorn.Config(
            app_,
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            proxy_headers=True,
            access_log=settings.access_log,
        )
    ]
    if settings.osmand_port:
        configs.append(
            uvicorn.Config(
                OsmAndPort(app_),
                host=settings.host,
                port=settings.osmand_port,
                log_level=log_level,
                lifespan="off",
                access_log=settings.access_log,
            )
        )

    async def serve_all() -> None:
        await asyncio.gather(*(uvicorn.Server(config).serve() for config in configs))

    asyncio.run(serve_all(), loop_factory=configs[0].get_loop_factory())  # uvloop when installed


def _database(settings: "Settings") -> "Database":
    """The configured database, created and migrated."""
    from lastmile.db import Database
    from lastmile.db.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.from_url(settings.resolved_database_url)
    upgrade(database.engine)
    return database


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes (needs a Redis bus if > 1)")] = 1,
) -> None:
    """Run the API, the ingest endpoints and the web pages (and the OsmAnd port if set)."""
    import uvicorn

    from lastmile.app import create_app
    from lastmile.config import Settings

    settings = Settings(**_served_at(host, port))
    if workers == 1:
        _serve(create_app(settings, freeze_heap=True), settings)
        return
    if settings.mqtt_url:
        raise typer.BadParameter(
            "the OwnTracks MQTT listener keeps one persistent session: run it in one process "
            "(unset LASTMILE_MQTT_URL for the extra workers)",
            param_hint="--workers",
        )
    if settings.bus_url.startswith("memory:"):
        raise typer.BadParameter(
            "several workers need a shared bus: set LASTMILE_BUS_URL=redis://host:6379/0",
            param_hint="--workers",
        )
    _database(settings).engine.dispose()
    # Each worker reads its settings from the environment: give it the address served here.
    os.environ.update(LASTMILE_HOST=settings.host, LASTMILE_PORT=str(settings.port))
    uvicorn.run(
        "lastmile.app:serving_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        access_log=settings.access_log,
    )


@app.command()
def worker(
    loops: Annotated[int, typer.Option(min=1, help="Outbox worker loops in this process")] = 1,
) -> None:
    """Run the background workers alone (notification outbox, alert sweep, fix retention,
    the end-of-day cash count, last month's invoice drafts)."""
    import asyncio
    import logging

    from lastmile.alerts.sweep import sweep_loop
    from lastmile.billing.invoice_schedule import draft_invoices_loop
    from lastmile.bus import open_bus
    from lastmile.config import Settings
    from lastmile.driver.scheduled import close_days_loop
    from lastmile.ingest.scheduled import retention_loop
    from lastmile.ingest.store import FixStore
    from lastmile.notify.worker import OutboxWorker
    from lastmile.runtime import tune_garbage_collector
    from lastmile.settlement.cod_scheduled import cod_check_loop

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    database = _database(settings)

    async def run_all() -> None:
        bus = open_bus(settings.bus_url)
        workers = [OutboxWorker(database=database, settings=settings) for _ in range(loops)]
        retention = retention_loop(FixStore(database), retention_days=settings.fix_retention_days)
        sweep = sweep_loop(database, bus, every_s=settings.alert_sweep_s)
        day_close = close_days_loop(database, bus)
        cod_check = cod_check_loop(database, bus)
        drafts = draft_invoices_loop(database)
        if settings.gc_freeze:
            tune_garbage_collector()
        try:
            await asyncio.gather(
                retention, sweep, day_close, cod_check, drafts, *(w.run() for w in workers)
            )
        finally:
            await bus.close()

    try:
        asyncio.run(run_all())
    except KeyboardInterrupt:
        pass
    finally:
        database.engine.dispose()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from lastmile.config import Settings

    settings = Settings()
    _database(settings)
    typer.echo(f"database is up to date: {settings.resolved_database_url.split('@')[-1]}")


@org_app.command("create")
def org_create(
    name: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Create an organisation and print its admin API key (shown once)."""
    from lastmile.auth import service as auth
    from lastmile.config import Settings

    database = _database(Settings())
    with database.session() as session:
        org = auth.create_organization(session=session, name=name)
        _, key = auth.create_api_key(session=session, org_id=org.id, name="admin", role=Role.ADMIN)
        session.commit()
        org_id = str(org.id)
    if as_json:
        typer.echo(json.dumps({"org_id": org_id, "api_key": key}))
    else:
        typer.echo(f"organisation {name!r}: {org_id}\nAPI key (shown once): {key}")


@user_app.command("create")
def user_create(
    org_id: Annotated[uuid.UUID, typer.Option("--org", help="Organisation id")],
    email: Annotated[str, typer.Option(help="Sign-in email")],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[Role, typer.Option(help="admin, dispatcher or driver")] = Role.DISPATCHER,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user with a password (asked for when not given)."""
    from lastmile.auth import service as auth
    from lastmile.config import Settings

    database = _database(Settings())
    with database.session() as session:
        auth.get_organization(session=session, org_id=org_id)
        user = auth.create_user(
            session=session, org_id=org_id, email=email, name=name, role=role, password=password
        )
        session.commit()
        typer.echo(f"user {user.email} ({user.role}) created: {user.id}")


@app.command()
def demo(
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo organisation")] = False,
    drivers: Annotated[
        int, typer.Option(min=0, max=500, help="Simulated drivers, 25 stops each (0: none)")
    ] = 8,
    speed: Annotated[
        float, typer.Option(min=1, help="Times faster than real time (1: live, in step with now)")
    ] = 1.0,
    host: HostOption = None,
    port: PortOption = None,
    road_map: Annotated[
        bool,
        typer.Option(
            "--map/--no-map",
            help="Fetch and build the Helsinki road map (--no-map: straight lines)",
        ),
    ] = True,
) -> None:
    """Seed a demo organisation, serve, and drive a simulated day of deliveries on the map.

    Run again, it resumes the same organisation, credentials, drivers and (while it runs,
    today) the same day; `--fresh` starts from an empty organisation.
    """
    import time
    from datetime import datetime
    from functools import partial
    from zoneinfo import ZoneInfo

    from lastmile.app import create_app
    from lastmile.config import Settings, served_url
    from lastmile.demo import seed
    from lastmile.demo_day import open_day
    from lastmile.demo_live import (
        DemoFleet,
        DriverAppLink,
        ensure_address_index,
        ensure_map,
        run_fleet,
        start_fleet_thread,
        wait_until_up,
    )

    settings = Settings(**_served_at(host, port))
    database = _database(settings)
    if road_map and ensure_map(settings.data_dir, typer.echo):
        ensure_address_index(database, settings.data_dir, typer.echo)
    fleet = DemoFleet(drivers=drivers, speed=speed)
    resume, removed = None, 0
    with database.session() as session:
        creds = seed(
            session=session,
            data_dir=settings.data_dir,
            fresh=fresh,
            shipment_count=0 if drivers else 20,
        )
        if drivers:
            resume, removed = open_day(
                session=session,
                org_id=uuid.UUID(creds.org_id),
                data_dir=settings.data_dir,
                fleet=fleet.identity,
                hub_code=fleet.hub_code,
                now_s=time.time(),
            )
        session.commit()
    if resume is not None:
        started = datetime.fromtimestamp(resume.start_s, ZoneInfo(resume.timezone))
        typer.echo(f"Resuming the demo day started at {started:%H:%M} ({resume.timezone}).")
    elif drivers:
        old = f" (the previous day's {removed} routes removed)" if removed else ""
        typer.echo(f"Starting a new demo day{old}.")
    database.engine.dispose()
    base = served_url(settings.host, settings.port)  # where the simulated fleet connects
    public = settings.public_url.rstrip("/")  # what people are given

    def announce(links: list[str], driver_link: DriverAppLink | None = None) -> None:
        driver = (
            f"  Driver app:      {driver_link.url}\n{' ' * 19}{driver_link.note}\n"
            if driver_link
            else ""
        )
        typer.echo(
            f"\nLastmile demo is live on {public}\n"
            f"  Control Tower:   {public}/control-tower\n"
            f"  Sign in:         {creds.admin_email} / {creds.admin_password}\n"
            f"{driver}"
            f"  API docs:        {public}/docs\n"
            f"  API key: {creds.api_key}\n"
            f"  Organisation:    {creds.org_id}\n"
            "  Tracking links:\n" + "".join(f"    {link}\n" for link in links) + "Ctrl-C stops.\n"
        )

    if drivers:
        job = partial(
            run_fleet,
            url=base,
            api_key=creds.api_key,
            org_id=creds.org_id,
            data_dir=settings.data_dir,
            fleet=fleet,
            resume=resume,
            on_ready=announce,
            say=typer.echo,
        )
        start_fleet_thread(job)
    else:
        links = [f"{public}/t/{token}" for token in creds.tracking_tokens]

        def announce_when_up() -> None:
            wait_until_up(base)
            announce(links)

        start_fleet_thread(announce_when_up)
    _serve(create_app(settings, freeze_heap=True), settings, log_level="warning")


if __name__ == "__main__":
    app()
