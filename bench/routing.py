"""A real plan on a road network: 300 stops and 15 vans on Monaco, matrix included.

    .venv/bin/python bench/routing.py [--stops 300] [--vehicles 15] [--seconds 10]

Builds Monaco's tiles once into a temporary folder (the build is reported, not counted),
picks stops on its roads, then times the whole plan: the 301 x 301 matrix from Valhalla,
the problem, the search, and the independent checker. Data:
`$LASTMILE_SHARED_DATA/osm/monaco.osm.pbf`, by default `../shared/data` beside the repository.
"""

import argparse
import dataclasses
import os
import random
import shlex
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from lastmile.planning.checker import check
from lastmile.planning.network import Crew, Delivery, Depot, build_problem, local_midnight, plan_day
from lastmile.planning.problem import Capacity, Load
from lastmile.planning.pyvrp_solver import PyVRPSolver
from lastmile.planning.solver import Solution
from lastmile.routing.network import CannotSnap
from lastmile.routing.tiles import build_tiles
from lastmile.routing.valhalla import ValhallaNetwork

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 20.0
DAY = date(2026, 11, 24)
HUB = Depot(43.7347, 7.4206, "Europe/Monaco", {"tue": [["08:00", "18:00"]]})
# The streets of the principality itself, inside the map's wider bounding box.
AREA = ((43.7270, 43.7500), (7.4100, 7.4380))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=300)
    parser.add_argument("--vehicles", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=10.0, help="search time limit")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print("## Real plans on a road network\n")
    command = [".venv/bin/python", "bench/routing.py", *map(shlex.quote, sys.argv[1:])]
    print(f"Command: `{' '.join(command)}`\n")
    data = Path(os.environ.get("LASTMILE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    pbf = data / "osm" / "monaco.osm.pbf"
    if not pbf.is_file():
        print(f"Skipped: the map extract {pbf} is absent (set LASTMILE_SHARED_DATA).")
        return 0
    with tempfile.TemporaryDirectory(prefix="lastmile-bench-") as tmp:
        started = time.perf_counter()
        network = ValhallaNetwork(build_tiles(pbf, Path(tmp) / "maps" / "monaco"))
        build_s = time.perf_counter() - started
        deliveries = _deliveries(network, args.stops, random.Random(args.seed))
        crews = [
            Crew(f"van-{i:02d}", capacity=Capacity(weight_kg=600.0, parcels=60))
            for i in range(1, args.vehicles + 1)
        ]

        started = time.perf_counter()
        day = build_problem(depot=HUB, deliveries=deliveries, crews=crews, day=DAY, network=network)
        matrix_s = time.perf_counter() - started
        started = time.perf_counter()
        plan = plan_day(day, solver=PyVRPSolver(seed=args.seed), time_limit_s=args.seconds)
        solve_s = time.perf_counter() - started
        started = time.perf_counter()
        violations = check(day.problem, plan.solution)
        check_s = time.perf_counter() - started
        distance_only = dataclasses.replace(
            day.problem,
            vehicles=tuple(dataclasses.replace(v, hourly_cost_m=0.0) for v in day.problem.vehicles),
        )
        baseline = PyVRPSolver(seed=args.seed).solve(distance_only, time_limit_s=args.seconds)

    total_s = matrix_s + solve_s + check_s
    served = sum(len(route.stops) for route in plan.solution.routes)
    print(
        f"Monaco (OpenStreetMap extract, Valhalla `auto` costing); {args.stops} stops on its"
        f" streets, a third with a 2-hour window, 1-3 parcels each; {args.vehicles} vans of"
        " 60 parcels / 600 kg working the hub's 08:00-18:00.\n"
    )
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| tiles (built once, not counted) | {build_s:.2f} |")
    print(
        f"| matrix {len(day.points)} x {len(day.points)} from Valhalla + problem | {matrix_s:.2f} |"
    )
    print(f"| search (PyVRP, time limit {args.seconds:g} s) | {solve_s:.2f} |")
    print(f"| independent checker | {check_s:.3f} |")
    print(f"| **total, end to end** | **{total_s:.2f}** (target ≤ {TARGET_S:g}) |\n")
    print(
        f"Vehicles used: {plan.solution.vehicles_used} of {args.vehicles}; stops served:"
        f" {served} of {args.stops}; unassigned: {len(plan.unassigned)};"
        f" distance: {plan.solution.distance_m / 1000:.1f} km."
    )
    verdict = "feasible (windows, capacities, shifts)" if not violations else "; ".join(violations)
    print(f"Checker: {verdict}.\n")
    print(
        "What weighing the driver's time does (`DRIVER_HOUR_M`: an hour weighs 3.6 km), against"
        " the same problem planned on distance alone in the same run, same time limit:\n"
    )
    print("| objective | vans | stops | distance km | driver hours | of which waiting |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, solution in (
        ("distance + time (dispatch)", plan.solution),
        ("distance only", baseline),
    ):
        print(_plan_row(name, solution))
    if day.filled_via_depot:
        print(f"Matrix cells filled through the hub: {day.filled_via_depot}.")
    for item in plan.unassigned[:5]:
        print(f"- unassigned: {item.message}")
    return 0 if not violations and total_s <= TARGET_S else 1


def _plan_row(name: str, solution: Solution) -> str:
    hours = sum(route.duration_s for route in solution.routes) / 3600.0
    waiting = sum(stop.wait_s for route in solution.routes for stop in route.stops) / 3600.0
    served = sum(len(route.stops) for route in solution.routes)
    return (
        f"| {name} | {solution.vehicles_used} | {served} | {solution.distance_m / 1000:.1f} |"
        f" {hours:.1f} | {waiting:.1f} |"
    )


def _deliveries(network: ValhallaNetwork, count: int, rng: random.Random) -> list[Delivery]:
    midnight = local_midnight(HUB.timezone, DAY)
    deliveries: list[Delivery] = []
    while len(deliveries) < count:
        point = (rng.uniform(*AREA[0]), rng.uniform(*AREA[1]))
        try:
            snap = network.snap(point)
        except CannotSnap:
            continue
        i = len(deliveries)
        window = {}
        if i % 3 == 0:
            opens = midnight + timedelta(hours=9 + rng.randrange(7))
            window = {"window_start": opens, "window_end": opens + timedelta(hours=2)}
        parcels = rng.randint(1, 3)
        deliveries.append(
            Delivery(
                id=f"S{i:03d}",
                lat=snap.lat,
                lon=snap.lon,
                service_s=90.0 + 30.0 * parcels,
                load=Load(weight_kg=4.0 * parcels, parcels=parcels),
                **window,  # type: ignore[arg-type]
            )
        )
    return deliveries


if __name__ == "__main__":
    sys.exit(main())
