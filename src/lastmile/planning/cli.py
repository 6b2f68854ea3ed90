"""`lastmile plan …`: solve a benchmark instance from the command line."""

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lastmile.errors import InvalidInput

plan_app = typer.Typer(no_args_is_help=True)


class InstanceFormat(StrEnum):
    SOLOMON = "solomon"
    VRPLIB = "vrplib"


@plan_app.callback()
def plan() -> None:
    """Plan vehicle routes with time windows, capacities and skills."""


@plan_app.command()
def solve(
    instance: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    instance_format: Annotated[
        InstanceFormat, typer.Option("--format", help="File format of INSTANCE.")
    ] = InstanceFormat.SOLOMON,
    seconds: Annotated[float, typer.Option(min=0.0, help="Time limit of the search.")] = 5.0,
    seed: Annotated[int, typer.Option(help="Seed of the search.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Solve a VRPTW instance; distance is the real-valued Euclidean total."""
    from lastmile.planning.instances import read_instance
    from lastmile.planning.pyvrp_solver import PyVRPSolver
    from lastmile.progress import progress_bar

    try:
        problem = read_instance(instance, instance_format=instance_format.value)
    except InvalidInput as error:
        raise typer.BadParameter(error.detail, param_hint="INSTANCE") from error
    with progress_bar(f"solving {instance.name}", total=seconds) as bar:
        solution = PyVRPSolver(seed=seed).solve(
            problem,
            time_limit_s=seconds,
            progress=lambda searched_s: bar.update(completed=searched_s),
        )
    routes = [
        [problem.orders_by_id[order_id].location for order_id in route.order_ids]
        for route in solution.routes
    ]
    for item in solution.unassigned:
        typer.echo(f"unassigned: {item.message}", err=True)
    if as_json:
        payload = {"distance": solution.distance_m, "vehicles": len(routes), "routes": routes}
        typer.echo(json.dumps(payload))
        return
    typer.echo(f"{instance.stem}: {len(routes)} vehicles, distance {solution.distance_m:.2f}")
    for number, visits in enumerate(routes, start=1):
        typer.echo(f"route {number}: {' '.join(map(str, visits))}")
