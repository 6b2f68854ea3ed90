"""`lastmile eta ...`: backtest the ETA model on history, split LaDe data by courier."""

import json
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lastmile.errors import InvalidInput

if TYPE_CHECKING:
    from lastmile.eta.learning import LearnedEta

eta_app = typer.Typer(no_args_is_help=True)

_CSV = {"exists": True, "dir_okay": False, "readable": True}


@eta_app.callback()
def eta() -> None:
    """ETA model: backtest on history."""


def run_backtest(
    train: Path, test: Path, *, baseline: bool = False
) -> tuple[dict[str, Any], "LearnedEta"]:
    """Learn from `train` only; score forecasts after every actual arrival of `test`."""
    from lastmile.eta.backtest import forecaster, replay, score
    from lastmile.eta.fitting import fit, fit_baseline
    from lastmile.eta.history import read_routes
    from lastmile.progress import track

    train_routes = read_routes(train)
    learned = fit_baseline(train_routes) if baseline else fit(train_routes)
    routes = track(read_routes(test), f"replaying {test.name}")
    return score(replay(routes, forecaster(learned))), learned


@eta_app.command()
def backtest(
    train: Annotated[Path, typer.Option("--train", help="History to learn from (CSV).", **_CSV)],
    test: Annotated[
        Path, typer.Option("--test", help="History to replay and score (CSV).", **_CSV)
    ],
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Score the naive model (one speed + mean service).")
    ] = False,
    model_out: Annotated[
        Path | None, typer.Option("--model-out", help="Also save the learned model as JSON.")
    ] = None,
) -> None:
    """Print one JSON object: n, mae_min, p50/p90 absolute error, window coverage, by horizon."""
    try:
        result, learned = run_backtest(train, test, baseline=baseline)
        if model_out is not None:
            model_out.write_text(json.dumps(learned.to_json()), encoding="utf-8")
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result))


@eta_app.command("fit")
def fit_model(
    history: Annotated[
        Path, typer.Option("--history", help="History to learn from (CSV).", **_CSV)
    ],
    out: Annotated[Path, typer.Option("--out", help="Model file, e.g. var/eta_model.json.")],
    fixes_days: Annotated[
        int | None,
        typer.Option(
            "--fixes-days",
            min=1,
            help="Learn speed factors from the last N days of stored fixes instead.",
        ),
    ] = None,
    org: Annotated[
        uuid.UUID | None, typer.Option("--org", help="Only this organisation's fixes.")
    ] = None,
) -> None:
    """Learn the live model from history; the server loads it at start-up."""
    from lastmile.config import Settings
    from lastmile.db import Database, utcnow
    from lastmile.eta.fitting import fit
    from lastmile.eta.fleet_speeds import fleet_speed_factors
    from lastmile.eta.history import read_routes

    try:
        learned = fit(read_routes(history))
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.detail}", err=True)
        raise typer.Exit(1) from None
    report: dict[str, Any] = {"model": str(out), "seconds_per_m": round(learned.seconds_per_m, 4)}
    if fixes_days is not None:
        database = Database.from_url(Settings().resolved_database_url)
        try:
            with database.session() as session:
                speed, legs = fleet_speed_factors(
                    session, since=utcnow() - timedelta(days=fixes_days), org_id=org
                )
        finally:
            database.engine.dispose()
        learned = replace(learned, speed=speed)
        report["fix_legs"] = legs
    out.write_text(json.dumps(learned.to_json()), encoding="utf-8")
    typer.echo(json.dumps(report))


@eta_app.command()
def split(
    lade: Annotated[
        Path, typer.Option("--lade", help="LaDe pickup CSV (e.g. lade_p_dev.csv).", **_CSV)
    ],
    train: Annotated[Path, typer.Option("--train", help="Where to write the training CSV.")],
    test: Annotated[Path, typer.Option("--test", help="Where to write the test CSV.")],
    test_share: Annotated[
        float, typer.Option("--test-share", min=0.05, max=0.95, help="Share of couriers held out.")
    ] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Another seed, another split.")] = 0,
) -> None:
    """Convert LaDe pickups to backtest CSVs, split by courier (a courier is on one side only)."""
    from lastmile.eta.history import lade_rows, split_by_driver, write_rows

    with lade.open(newline="", encoding="utf-8") as handle:
        rows = list(lade_rows(handle))
    train_rows, test_rows = split_by_driver(rows, test_share=test_share, seed=seed)
    typer.echo(
        json.dumps(
            {"train_rows": write_rows(train, train_rows), "test_rows": write_rows(test, test_rows)}
        )
    )
