"""`lastmile plan day`: plan a hub's day from the command line, and commit it if asked."""

import uuid
from datetime import datetime
from typing import Annotated

import typer

from lastmile.errors import LastmileError


def plan_day(
    hub: Annotated[str, typer.Option("--hub", help="Hub code.")],
    date: Annotated[datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    commit: Annotated[bool, typer.Option("--commit", help="Commit the plan into routes.")] = False,
    org: Annotated[
        uuid.UUID | None, typer.Option("--org", help="Organisation (when codes repeat).")
    ] = None,
    seconds: Annotated[float, typer.Option(min=0.05, max=600.0, help="Search time.")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan a hub's open shipments for a day with every free driver and vehicle."""
    from sqlalchemy import select

    from lastmile.config import Settings
    from lastmile.db import Database
    from lastmile.db.migrate import upgrade
    from lastmile.dispatch import service
    from lastmile.dispatch.schemas import PlanOut
    from lastmile.hubs.models import Hub
    from lastmile.routing.maps import open_network

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.from_url(settings.resolved_database_url)
    upgrade(database.engine)
    network = open_network(settings.data_dir, settings.map_name)
    try:
        with database.session() as session:
            query = select(Hub).where(Hub.code == hub)
            if org is not None:
                query = query.where(Hub.org_id == org)
            hubs = list(session.scalars(query))
            if len(hubs) != 1:
                found = "no hub" if not hubs else f"{len(hubs)} hubs (give --org)"
                raise typer.BadParameter(f"{found} with code {hub!r}", param_hint="--hub")
            plan = service.save_plan(
                session=session,
                plan=service.solve_plan(
                    session=session,
                    org_id=hubs[0].org_id,
                    hub_id=hubs[0].id,
                    day=date.date(),
                    network=network,
                    time_limit_s=seconds,
                ),
            )
            if commit:
                service.commit_plan(
                    session=session, org_id=plan.org_id, plan_id=plan.id, network=network
                )
            session.commit()
            out = PlanOut.of(plan)
    except LastmileError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from error
    finally:
        database.engine.dispose()
    if as_json:
        typer.echo(out.model_dump_json())
        return
    stops = sum(len(route.stops) for route in out.routes)
    km = sum(route.distance_m for route in out.routes) / 1000
    typer.echo(
        f"plan {out.id} ({out.status}, {out.network}): {len(out.routes)} routes,"
        f" {stops} stops, {km:.1f} km, {len(out.unassigned)} unassigned"
    )
    for number, route in enumerate(out.routes, start=1):
        typer.echo(
            f"route {number}: driver {route.driver_id}, {len(route.stops)} stops,"
            f" {route.planned_start:%H:%M}-{route.planned_end:%H:%M} UTC:"
            f" {' '.join(s.tracking_number for s in route.stops)}"
        )
    for item in out.unassigned:
        typer.echo(f"unassigned {item.tracking_number} ({item.reason}): {item.message}")
    if out.violations:
        typer.echo(f"checker: {'; '.join(out.violations)}", err=True)
