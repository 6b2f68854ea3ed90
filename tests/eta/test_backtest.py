"""`lastmile eta backtest`: replays history written by the test, and a sample of real pickups."""

import csv
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import shared_data
from typer.testing import CliRunner

from lastmile.cli import app
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.eta.engine import load_learned
from lastmile.eta.learning import LearnedEta
from lastmile.geo import haversine_m
from lastmile.ingest.store import FixStore, StoredFix

runner = CliRunner()
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SPEED_MPS = 6.0
SERVICE_S = 180.0


def _write(path: Path, routes: int, stops: int, seed: int) -> int:
    """Routes driven at one speed with one service time, a little noise: a learnable history."""
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["route_id", "stop_id", "lat", "lon", "arrived_at", "service_s"])
        for r in range(routes):
            lat, lon, at = 52.37, 4.89, START
            for s in range(stops):
                lat2, lon2 = lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)
                if s:
                    travel = haversine_m(lat, lon, lat2, lon2) / SPEED_MPS
                    at += timedelta(seconds=(travel + SERVICE_S) * rng.uniform(0.95, 1.05))
                lat, lon = lat2, lon2
                writer.writerow([f"{seed}-{r}", f"{seed}-{r}-{s}", lat, lon, at.isoformat(), 120])
    return routes * stops * (stops - 1) // 2


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _keep(path: Path, rows: list[dict[str, str]], every: int) -> None:
    """A smaller sample for the test suite: the routes of every `every`-th courier."""
    drivers = sorted({row["driver_id"] for row in rows})[::every]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["driver_id"] in drivers)


def _backtest(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["eta", "backtest", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_backtest_replays_every_later_stop_after_each_arrival(tmp_path: Path) -> None:
    _write(tmp_path / "train.csv", routes=12, stops=8, seed=1)
    expected = _write(tmp_path / "test.csv", routes=5, stops=8, seed=2)
    out = _backtest("--train", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"))
    assert out["n"] == expected
    assert sum(h["n"] for h in out["by_horizon"].values()) == expected
    assert out["by_horizon"]["1"]["n"] == 5 * 7
    assert out["mae_min"] < 2.0
    assert out["p50_abs_min"] <= out["p90_abs_min"]
    assert 0.5 <= out["window_coverage"] <= 1.0


def test_backtest_names_the_bad_line(tmp_path: Path) -> None:
    _write(tmp_path / "train.csv", routes=2, stops=3, seed=1)
    bad = tmp_path / "bad.csv"
    bad.write_text("route_id,stop_id,lat,lon,arrived_at\nr,s,52.3,4.8,yesterday\n")
    result = runner.invoke(
        app, ["eta", "backtest", "--train", str(tmp_path / "train.csv"), "--test", str(bad)]
    )
    assert result.exit_code == 1
    assert "bad.csv:2.arrived_at" in result.output


def test_on_real_pickups_the_model_beats_the_naive_baseline(tmp_path: Path) -> None:
    lade = shared_data("eta/lade_p_dev.csv")
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    split = runner.invoke(
        app, ["eta", "split", "--lade", str(lade), "--train", str(train), "--test", str(test)]
    )
    assert split.exit_code == 0, split.output
    counts = json.loads(split.stdout)
    assert counts["train_rows"] > counts["test_rows"] > 0
    train_rows, test_rows = _rows(train), _rows(test)
    assert {r["driver_id"] for r in train_rows}.isdisjoint(r["driver_id"] for r in test_rows)
    _keep(train, train_rows, every=2)
    model = _backtest("--train", str(train), "--test", str(test))
    naive = _backtest("--train", str(train), "--test", str(test), "--baseline")
    assert model["n"] == naive["n"] > 1000
    assert model["mae_min"] < 0.9 * naive["mae_min"]
    assert abs(model["window_coverage"] - 0.8) < 0.1


def test_a_fitted_model_is_what_the_server_loads(tmp_path: Path) -> None:
    _write(tmp_path / "history.csv", routes=6, stops=6, seed=4)
    out = tmp_path / "eta_model.json"
    result = runner.invoke(
        app, ["eta", "fit", "--history", str(tmp_path / "history.csv"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    learned = load_learned(out)
    assert abs(learned.seconds_per_m - 1 / SPEED_MPS) < 0.03
    assert load_learned(tmp_path / "absent.json") == LearnedEta()


def test_fit_can_take_speed_factors_from_the_fleets_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LASTMILE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LASTMILE_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    org_id = uuid.UUID(
        json.loads(runner.invoke(app, ["org", "create", "A", "--json"]).stdout)["org_id"]
    )
    database = Database.from_url(Settings().resolved_database_url)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    driver = uuid.uuid4()
    FixStore(database).write(
        [
            StoredFix(
                driver_id=driver,
                org_id=org_id,
                device_id="van",
                at=start + timedelta(seconds=15 * i),
                received_at=start + timedelta(seconds=15 * i),
                lat=52.37 + 0.001 * i,
                lon=4.89,
            )
            for i in range(30)
        ]
    )
    database.engine.dispose()
    _write(tmp_path / "history.csv", routes=6, stops=6, seed=4)
    out = tmp_path / "eta_model.json"
    result = runner.invoke(
        app,
        [
            "eta",
            "fit",
            "--history",
            str(tmp_path / "history.csv"),
            "--out",
            str(out),
            "--fixes-days",
            "1",
            "--org",
            str(org_id),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fix_legs"] == 29
    assert load_learned(out).speed.fine
