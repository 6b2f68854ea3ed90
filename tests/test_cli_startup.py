"""`lastmile --help` answers at once: the command line loads no server, solver or routing engine
until a command needs it (issue #24). Times are measured by bench/cli.py, not asserted here."""

import json
import os
import subprocess
import sys

HEAVY = ("lastmile.app", "lastmile.tables", "fastapi", "pyvrp", "valhalla", "sqlalchemy.orm")
HELPS = (
    [],
    ["serve"],
    ["worker"],
    ["migrate"],
    ["demo"],
    ["simulate"],
    ["org", "create"],
    ["user", "create"],
    ["map", "import"],
    ["map", "default"],
    ["map", "list"],
    ["addresses", "index"],
    ["trips", "detect"],
    ["eta", "backtest"],
    ["eta", "fit"],
    ["eta", "split"],
    ["plan", "solve"],
    ["plan", "day"],
)
# Imports the command line, then asks every command for its help in the same process, and
# prints which heavy modules were loaded after each step.
LOADED_AFTER_HELP = f"""
import json, sys
from typer.testing import CliRunner
loaded = lambda: [m for m in {HEAVY!r} if m in sys.modules]
import lastmile.cli
report = {{"import": loaded(), "helps": {{}}}}
for args in {HELPS!r}:
    result = CliRunner().invoke(lastmile.cli.app, [*args, "--help"])
    report["helps"][" ".join(args)] = [result.exit_code, loaded()]
print(json.dumps(report))
"""


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


def test_the_command_line_and_every_help_load_no_heavy_module() -> None:
    run = _python("-c", LOADED_AFTER_HELP)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["import"] == []
    assert report["helps"] == {" ".join(args): [0, []] for args in HELPS}


def test_the_packages_still_offer_the_heavy_names() -> None:
    """The check above is not vacuous: the solver's and the routing engine's names, still
    offered at the top of their packages, load them when used."""
    script = (
        "import json, sys, lastmile.cli, lastmile.planning, lastmile.routing;"
        " lastmile.planning.PyVRPSolver, lastmile.routing.ValhallaNetwork;"
        f" print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    run = _python("-c", script)
    assert run.returncode == 0, run.stderr
    assert {"pyvrp", "valhalla"} <= set(json.loads(run.stdout))


def test_help_lists_every_sub_command() -> None:
    run = _python("-m", "lastmile", "--help")
    assert run.returncode == 0, run.stderr
    for command in ("serve", "worker", "migrate", "demo", "simulate", "org", "user", "map"):
        assert command in run.stdout
    for group in ("plan", "addresses", "trips", "eta"):
        assert group in run.stdout
