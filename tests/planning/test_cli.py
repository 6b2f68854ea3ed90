import json
from pathlib import Path

import pytest
from tests.planning.builders import TINY_SOLOMON, TINY_VRPLIB
from typer.testing import CliRunner

from lastmile.planning.cli import plan_app

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "instance_format"), [(TINY_SOLOMON, "solomon"), (TINY_VRPLIB, "vrplib")]
)
def test_solve_prints_distance_vehicles_and_routes_as_json(
    tmp_path: Path, text: str, instance_format: str
) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(text)

    result = runner.invoke(
        plan_app, ["solve", str(path), "--format", instance_format, "--seconds", "0.2", "--json"]
    )

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"distance", "vehicles", "routes"}
    assert payload["vehicles"] == len(payload["routes"]) == 2
    assert sorted(c for route in payload["routes"] for c in route) == [1, 2, 3]
    assert isinstance(payload["distance"], float)
    assert payload["distance"] == pytest.approx(30.0 + 40.0**0.5)


def test_solve_prints_a_summary_without_json(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_SOLOMON)

    result = runner.invoke(plan_app, ["solve", str(path), "--seconds", "0.2"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("tiny: 2 vehicles, distance 36.32\n")


def test_a_file_in_the_wrong_format_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_SOLOMON)

    result = runner.invoke(plan_app, ["solve", str(path), "--format", "vrplib"])

    assert result.exit_code == 2
    assert "cannot read" in result.output
