"""Route planning (VRPTW) benchmark: Solomon and Gehring & Homberger instances against BKS.

    .venv/bin/python bench/planning.py [--seconds 5] [--homberger-seconds 60] [--only C101,R101]

Prints a markdown section to stdout (progress goes to stderr). Each plan is verified by
the independent checker. The objective is distance only, with as many vehicles as each
instance allows; gaps are against the distance-only best-known values: for Solomon the
`bks_distance_distance_only` column, for the 1,000-customer instances the DIMACS BKS
(whose edges are truncated to one decimal, which makes it about 0.1 % lower than the
real-valued distance of the same routes). Data: `$LASTMILE_SHARED_DATA/vrptw`, by default
`../shared/data/vrptw` beside the repository.
"""

import argparse
import csv
import os
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lastmile.planning.checker import check
from lastmile.planning.instances import read_instance
from lastmile.planning.pyvrp_solver import PyVRPSolver

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    family: str
    path: Path
    bks_distance: float
    bks_vehicles: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    vehicles: int
    distance: float
    unassigned: int
    violations: int
    seconds: float
    cpu_seconds: float

    @property
    def gap_pct(self) -> float:
        gap = 100.0 * (self.distance - self.case.bks_distance) / self.case.bks_distance
        return 0.0 if abs(gap) < 0.005 else gap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per Solomon instance")
    parser.add_argument(
        "--homberger-seconds", type=float, default=60.0, help="per 1,000-customer instance"
    )
    parser.add_argument("--only", default="", help="comma-separated instance names")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print("## Route planning (VRPTW)\n")
    command = [".venv/bin/python", "bench/planning.py", *map(shlex.quote, sys.argv[1:])]
    print(f"Command: `{' '.join(command)}`\n")
    data = Path(os.environ.get("LASTMILE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "vrptw"
    if not (data / "solomon").is_dir():
        print(f"Skipped: the benchmark data folder {data} is absent (set LASTMILE_SHARED_DATA).")
        return 0
    only = {name.strip().upper() for name in args.only.split(",") if name.strip()}
    cases = [
        case
        for case in [*_solomon(data, args.seconds), *_homberger(data, args.homberger_seconds)]
        if not only or case.name.upper() in only
    ]
    solver = PyVRPSolver(seed=args.seed)
    outcomes = [_run(solver, case) for case in cases]
    _print_table(outcomes)
    return 0


def _solomon(data: Path, seconds: float) -> list[Case]:
    cases = []
    with (data / "bks_solomon.csv").open() as rows:
        for row in csv.DictReader(rows):
            name = row["instance"]
            cases.append(
                Case(
                    name=name,
                    family=name[:-2],
                    path=data / "solomon" / f"{name}.txt",
                    bks_distance=float(row["bks_distance_distance_only"]),
                    bks_vehicles=int(row["bks_nv_distance_only"]),
                    seconds=seconds,
                )
            )
    return cases


def _homberger(data: Path, seconds: float) -> list[Case]:
    cases = []
    with (data / "bks_homberger_1000.csv").open() as rows:
        for row in csv.DictReader(rows):
            path = data / "homberger_1000" / f"{row['instance'].lower()}.txt"
            if path.is_file():
                cases.append(
                    Case(
                        name=row["instance"],
                        family=row["instance"].rsplit("_", 1)[0],
                        path=path,
                        bks_distance=float(row["dimacs_bks_cost_1dec_truncated"]),
                        bks_vehicles=int(row["dimacs_bks_routes"]),
                        seconds=seconds,
                    )
                )
    return cases


def _run(solver: PyVRPSolver, case: Case) -> Outcome:
    problem = read_instance(case.path, instance_format="solomon")
    started, started_cpu = time.perf_counter(), time.process_time()
    solution = solver.solve(problem, time_limit_s=case.seconds)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    outcome = Outcome(
        case=case,
        vehicles=solution.vehicles_used,
        distance=solution.distance_m,
        unassigned=len(solution.unassigned),
        violations=len(check(problem, solution)),
        seconds=elapsed,
        cpu_seconds=cpu,
    )
    print(
        f"{case.name}: {outcome.vehicles} vehicles, {outcome.distance:.2f}"
        f" ({outcome.gap_pct:+.2f} %), {elapsed:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return outcome


def _print_table(outcomes: list[Outcome]) -> None:
    print("| instance | vehicles (BKS) | distance | BKS | gap % | seconds | CPU s | check |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for o in outcomes:
        verdict = (
            "ok"
            if not o.violations and not o.unassigned
            else (f"{o.violations} violations, {o.unassigned} unassigned")
        )
        print(
            f"| {o.case.name} | {o.vehicles} ({o.case.bks_vehicles}) | {o.distance:.2f}"
            f" | {o.case.bks_distance:.2f} | {o.gap_pct:.2f} | {o.seconds:.1f}"
            f" | {o.cpu_seconds:.1f} | {verdict} |"
        )
    families: dict[str, list[Outcome]] = {}
    for o in outcomes:
        families.setdefault(o.case.family, []).append(o)
    print("\n| family | instances | s each | mean gap % |")
    print("|---|---:|---:|---:|")
    for family, members in families.items():
        print(
            f"| {family} | {len(members)} | {members[0].case.seconds:g}"
            f" | {statistics.fmean(o.gap_pct for o in members):.2f} |"
        )
    solomon = [o for o in outcomes if "_" not in o.case.name]
    homberger = [o for o in outcomes if "_" in o.case.name]
    print()
    if solomon:
        mean_gap = statistics.fmean(o.gap_pct for o in solomon)
        print(f"Solomon (100 customers): mean gap {mean_gap:.2f} %")
    if homberger:
        print(
            f"Gehring & Homberger (1,000 customers): mean gap"
            f" {statistics.fmean(o.gap_pct for o in homberger):.2f} %"
        )
    bad = [o.case.name for o in outcomes if o.violations or o.unassigned]
    verdict = "all plans feasible and complete" if not bad else "problems in " + ", ".join(bad)
    print(f"Checker: {verdict}.")
    print(
        "Seconds are wall-clock time limits; CPU s below them means the machine was shared"
        " and the search got less work done than on an idle core."
    )


if __name__ == "__main__":
    sys.exit(main())
