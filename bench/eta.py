"""ETA accuracy on real courier pickups: our model against a naive baseline, and its live cost.

Data: LaDe-P (Cainiao) one-day subset in `$LASTMILE_SHARED_DATA/eta/lade_p_dev.csv` (default
`../shared/data` beside the repository). A route is one courier's day, visits in actual pickup
order. Couriers are split 70/30 into train and test (`lastmile eta split --seed N`); everything
is learned from train only, then after each actual arrival on test every later stop of the
route is forecast. Five seeds, five different splits.

Run: `.venv/bin/python bench/eta.py` from the repository root; prints markdown.
"""

import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lastmile.eta.backtest import forecaster, replay, score
from lastmile.eta.fitting import fit, fit_baseline
from lastmile.eta.history import lade_rows, read_routes, split_by_driver, write_rows
from lastmile.eta.learning import LearnedEta, VisitedRoute
from lastmile.eta.model import Stop, StopForecast
from lastmile.eta.predictor import Predictor, StraightLine

COMMAND = ".venv/bin/python bench/eta.py"
REPO = Path(__file__).resolve().parents[1]
SEEDS = range(5)
TEST_SHARE = 0.3
NO_WINDOWS = {"window midpoint alone", "model without the window pull"}
"""Methods whose ETA windows mean nothing: none at all, or learned for another point ETA."""


def data_file() -> Path:
    shared = Path(os.environ.get("LASTMILE_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "eta" / "lade_p_dev.csv"


def window_midpoint(route: VisitedRoute, index: int) -> list[StopForecast]:
    """Reference: each later stop at the middle of its window (never before now), no learning."""
    now = route.visits[index].arrived_at
    out = []
    for k, visit in enumerate(route.visits[index + 1 :], start=1):
        stop = visit.stop
        eta = now
        if stop.window_start and stop.window_end:
            eta = max(now, stop.window_start + (stop.window_end - stop.window_start) / 2)
        out.append(StopForecast(stop.stop_id, eta, eta, eta, k))
    return out


def _split(rows: list[dict[str, str]], seed: int, folder: Path) -> tuple[Path, Path]:
    train_rows, test_rows = split_by_driver(rows, test_share=TEST_SHARE, seed=seed)
    train, test = folder / f"train{seed}.csv", folder / f"test{seed}.csv"
    write_rows(train, train_rows)
    write_rows(test, test_rows)
    return train, test


def _runs(train: Path, test: Path) -> dict[str, dict[str, Any]]:
    train_routes, test_routes = read_routes(train), read_routes(test)
    learned = fit(train_routes)
    return {
        "baseline": score(replay(test_routes, forecaster(fit_baseline(train_routes)))),
        "model": score(replay(test_routes, forecaster(learned))),
        "model without the window pull": score(
            replay(test_routes, forecaster(replace(learned, window_weight={})))
        ),
        "window midpoint alone": score(replay(test_routes, window_midpoint)),
        "_learned": {"learned": learned},
    }


def _live_cost(stops_count: int = 40, repeats: int = 2000) -> tuple[float, float]:
    """Microseconds per ETA update with the legs cached, and recomputing them every time."""
    predictor = Predictor(LearnedEta(), StraightLine(0.15))
    stops = [
        Stop(f"s{i}", 60.17 + 0.002 * (i % 7), 24.94 + 0.002 * i, kind="")
        for i in range(stops_count)
    ]
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    legs = predictor.base_legs_s(stops)
    started = time.perf_counter()
    for i in range(repeats):
        predictor.predict(
            now=now + timedelta(seconds=i),
            origin=(60.169, 24.939),
            stops=stops,
            base_legs_s=legs,
            driver_id="d",
        )
    cached = (time.perf_counter() - started) / repeats * 1e6
    started = time.perf_counter()
    for i in range(repeats // 4):
        predictor.predict(
            now=now + timedelta(seconds=i),
            origin=(60.169, 24.939),
            stops=stops,
            base_legs_s=predictor.base_legs_s(stops),
            driver_id="d",
        )
    fresh = (time.perf_counter() - started) / (repeats // 4) * 1e6
    return cached, fresh


def _row(name: str, figures: dict[str, Any]) -> str:
    by = figures["by_horizon"]
    coverage = "-" if name in NO_WINDOWS else f"{figures['window_coverage']:.2f}"
    return (
        f"| {name} | {figures['mae_min']:.1f} | {figures['p50_abs_min']:.1f} "
        f"| {figures['p90_abs_min']:.1f} | {coverage} | {by['1']['mae_min']:.1f} "
        f"| {by['2-5']['mae_min']:.1f} | {by['6+']['mae_min']:.1f} |"
    )


def main() -> int:
    path = data_file()
    if not path.is_file():
        print(f"reference data {path} is missing", file=sys.stderr)
        return 1
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(lade_rows(handle))
    per_seed: list[dict[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in SEEDS:
            per_seed.append(_runs(*_split(rows, seed, Path(folder))))
    methods = ["baseline", "model", "model without the window pull", "window midpoint alone"]
    out = [
        "## ETA accuracy",
        "",
        f"Command: `{COMMAND}` (one split: `lastmile eta split --lade "
        "…/lade_p_dev.csv --train TRAIN.csv --test TEST.csv --seed 0` then "
        "`lastmile eta backtest --train TRAIN.csv --test TEST.csv [--baseline]`)",
        "",
        f"Data: `{path}`, {len(rows)} real courier pickups (LaDe-P, Cainiao; Chongqing and "
        "Jilin, one day). A route is one courier's day in actual pickup order. Couriers split "
        f"{100 - int(TEST_SHARE * 100)}/{int(TEST_SHARE * 100)} into train/test (no courier on "
        "both sides); learned from train only; after each actual arrival on test, every later "
        "stop of the route is forecast. No road network for these cities: travel is great-circle "
        "distance x a learned seconds-per-metre. Baseline: one constant speed plus the mean "
        "service time (least squares on train's consecutive arrivals), windows from its own "
        "residual quantiles. Errors in minutes; coverage of the 80 % window.",
        "",
        "Mean absolute error per split (minutes):",
        "",
        "| method | " + " | ".join(f"seed {s}" for s in SEEDS) + " | mean |",
        "|---|" + "---|" * (len(SEEDS) + 1),
    ]
    for method in methods:
        maes = [run[method]["mae_min"] for run in per_seed]
        cells = " | ".join(f"{m:.1f}" for m in maes)
        out.append(f"| {method} | {cells} | {statistics.fmean(maes):.1f} |")
    out += [
        "",
        f"Seed 0 in detail (n = {per_seed[0]['model']['n']} forecasts; by horizon = stops ahead):",
        "",
        "| method | MAE | p50 abs | p90 abs | 80 % window coverage | MAE next stop | MAE 2-5 "
        "| MAE 6+ |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += [_row(method, per_seed[0][method]) for method in methods]
    coverage = [run["model"]["window_coverage"] for run in per_seed]
    gains = [100 * (1 - run["model"]["mae_min"] / run["baseline"]["mae_min"]) for run in per_seed]
    mean_gain = 100 * (
        1
        - statistics.fmean(run["model"]["mae_min"] for run in per_seed)
        / statistics.fmean(run["baseline"]["mae_min"] for run in per_seed)
    )
    learned: LearnedEta = per_seed[0]["_learned"]["learned"]
    cached, fresh = _live_cost()
    out += [
        "",
        f"Window coverage of the model over the five splits: "
        f"{', '.join(f'{c:.2f}' for c in coverage)} (target 0.80).",
        "",
        f"What seed 0 learned: {learned.seconds_per_m:.2f} s per straight-line metre (the gaps "
        "between pickups include the couriers' other work: deliveries, breaks), median service "
        f"{learned.service.global_s / 60:.1f} min, online route pace "
        f"{'on' if learned.pace_prior_n else 'off'}, wait for window opening "
        f"{'on' if learned.wait_for_window else 'off'}, window anchor "
        f"{learned.window_anchor:.1f} of the way through the window, pull toward it by horizon "
        f"{ {name: round(w, 2) for name, w in learned.window_weight.items()} }.",
        "",
        "Most of the gain comes from the customers' time windows: these couriers plan pickups "
        "around them, so a stop's window says a lot about when it will be served, more so "
        "beyond the next stop. Neither half is enough alone: the window midpoint beats the "
        "baseline on average but is poor for the next stop, and the travel-and-service part "
        "(learned pace per metre, "
        "service by kind of address and courier, hour-of-week x H3 speed factors, the route's "
        "own pace so far) beats the baseline on average but not on every split; blended, the "
        f"error is lower than the baseline's on every split, by {min(gains):.0f}-{max(gains):.0f} "
        f"% ({mean_gain:.0f} % on the means). The model's options (route pace, waiting "
        "for a window to open, the anchor and the pull) are chosen by cross-fitting on train, "
        "folds split by courier. The development of the window pull looked at splits of this "
        "same file, so treat the figures as optimistic for other fleets; the live model is "
        "re-learned on each fleet's own history.",
        "",
        f"Live cost of one ETA update for a 40-stop route (pure computation, straight-line "
        f"travel): {cached:.0f} µs with the legs cached per route, {fresh:.0f} µs recomputing "
        "them; with a road network the legs are one matrix call per route and stop completion, "
        "never per fix.",
        "",
        f"Ran in {time.perf_counter() - started:.0f} s.",
    ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
