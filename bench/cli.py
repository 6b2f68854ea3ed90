"""Command-line start-up: CPU seconds before `lastmile` does any work.

    .venv/bin/python bench/cli.py [--runs 3]

Prints a markdown section to stdout. Each command runs in a fresh process, twice over: with
bytecode compiled once beforehand (what `make setup` leaves), and with none (a machine that
sets PYTHONDONTWRITEBYTECODE=1 over an install that never compiled, recompiling every source
at every start). Both use a private bytecode folder (PYTHONPYCACHEPREFIX), so the
installation is left as it is. `plan solve` runs a 100-customer Solomon instance with
`--seconds 0`: reading, building the model and one search iteration, that is its start-up.
"""

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LASTMILE_SHARED_DATA", ROOT.parent / "shared" / "data"))
HELPS = (
    [],
    ["serve"],
    ["demo"],
    ["simulate"],
    ["map", "import"],
    ["plan", "solve"],
    ["plan", "day"],
    ["eta", "backtest"],
    ["trips", "detect"],
    ["addresses", "index"],
)


def _cpu_s(args: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one `python -m lastmile ARGS` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "lastmile", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median_cpu_s(args: list[str], env: dict[str, str], runs: int) -> float:
    return statistics.median(_cpu_s(args, env) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    commands = [[*args, "--help"] for args in HELPS]
    instance = SHARED / "vrptw" / "solomon" / "R101.txt"
    if instance.exists():
        commands.append(["plan", "solve", str(instance), "--seconds", "0"])
    else:
        print(f"{instance} not found: plan solve left out", file=sys.stderr)
    with tempfile.TemporaryDirectory() as compiled, tempfile.TemporaryDirectory() as empty:
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        warm = {**base, "PYTHONPYCACHEPREFIX": compiled}
        cold = {**base, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        for args in commands:  # compile whatever each command loads
            _cpu_s(args, warm)
        rows = []
        for args in commands:
            print(f"lastmile {shlex.join(args)}", file=sys.stderr, flush=True)
            shown = shlex.join(args).replace(str(SHARED), "$DATA")
            rows.append(
                f"| `lastmile {shown}` | {_median_cpu_s(args, warm, options.runs):.2f}"
                f" | {_median_cpu_s(args, cold, options.runs):.2f} |"
            )
    print("## Command-line start-up\n")
    print("Command: `.venv/bin/python bench/cli.py`\n")
    print(f"CPU seconds per command, median of {options.runs} fresh processes.\n")
    print("| command | compiled bytecode | no bytecode |")
    print("|---|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
