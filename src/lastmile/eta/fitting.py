"""Fit the ETA model and the naive baseline; windows from cross-fit residuals."""

import itertools
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from lastmile.eta.backtest import Outcome, forecaster, replay
from lastmile.eta.learning import (
    MIN_TRAVEL_LEG_M,
    LearnedEta,
    Leg,
    ServiceTimes,
    SpeedFactors,
    VisitedRoute,
    learn_service_times,
    learn_speed_factors,
    legs_of,
)
from lastmile.eta.model import (
    HORIZONS,
    MIN_SCALE_S,
    ErrorModel,
    Quantiles,
    horizon_bucket,
    quantile,
    toward_window,
)

MIN_SECONDS_PER_M = 1 / 30.0
MAX_SECONDS_PER_M = 3.0
FOLDS = 2


def _ols(distance_m: np.ndarray, gap_s: np.ndarray) -> tuple[float, float]:
    """Least squares gap = service + seconds_per_m x distance, both kept non-negative."""
    if len(gap_s) == 0:
        return 120.0, 0.15
    if len(gap_s) > 1 and np.ptp(distance_m) > 0:
        slope, intercept = np.polyfit(distance_m, gap_s, 1)
    else:
        slope, intercept = 0.0, float(np.mean(gap_s))
    slope = float(np.clip(slope, MIN_SECONDS_PER_M, MAX_SECONDS_PER_M))
    intercept = max(0.0, float(np.mean(gap_s - slope * distance_m)))
    return intercept, slope


def _arrays(legs: Sequence[Leg]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([leg.distance_m for leg in legs], dtype=float),
        np.array([leg.gap_s for leg in legs], dtype=float),
    )


def fit_baseline(routes: Sequence[VisitedRoute]) -> LearnedEta:
    """The naive model: one constant speed plus the mean service time, nothing else learned."""
    service_s, seconds_per_m = _ols(*_arrays(legs_of(routes)))
    plain = LearnedEta(
        seconds_per_m=seconds_per_m, service=ServiceTimes(global_s=service_s), pace_prior_n=None
    )
    return replace(plain, errors=error_model(replay(routes, forecaster(plain))))


def _factor(speed: SpeedFactors, leg: Leg) -> float:
    return speed.factor(leg.origin.stop.lat, leg.origin.stop.lon, leg.origin.arrived_at)


def _fit_means(
    legs: Sequence[Leg], *, wait_for_window: bool, pace_prior_n: float | None
) -> LearnedEta:
    """Median-based travel and service (the backtest scores absolute error), then the tables."""
    distance_m, gap_s = _arrays(legs)
    service_s, seconds_per_m = _ols(distance_m, gap_s)
    long = distance_m >= MIN_TRAVEL_LEG_M
    for _ in range(3):
        service_s = (
            max(0.0, float(np.median(gap_s - seconds_per_m * distance_m))) if len(legs) else 120.0
        )
        if long.any():
            seconds_per_m = float(
                np.clip(
                    np.median((gap_s[long] - service_s) / distance_m[long]),
                    MIN_SECONDS_PER_M,
                    MAX_SECONDS_PER_M,
                )
            )
    speed = learn_speed_factors(
        (
            leg.origin.stop.lat,
            leg.origin.stop.lon,
            leg.origin.arrived_at,
            max(30.0, g - service_s) / (seconds_per_m * d),
        )
        for leg, d, g in zip(legs, distance_m, gap_s, strict=True)
        if d >= MIN_TRAVEL_LEG_M
    )
    ceiling = 4.0 * max(service_s, 60.0)
    service = learn_service_times(
        (
            (
                leg.driver_id,
                leg.origin.stop.kind,
                min(ceiling, max(0.0, g - seconds_per_m * d * _factor(speed, leg))),
            )
            for leg, d, g in zip(legs, distance_m, gap_s, strict=True)
        ),
        service_s,
    )
    return LearnedEta(
        seconds_per_m=seconds_per_m,
        service=service,
        speed=speed,
        wait_for_window=wait_for_window,
        pace_prior_n=pace_prior_n,
    )


def error_model(outcomes: Sequence[Outcome], coverage: float = 0.8) -> ErrorModel:
    """Median shift and the central `coverage` interval of relative errors, per horizon."""
    tail = (1.0 - coverage) / 2.0
    by_horizon = {}
    for name in HORIZONS:
        relative = [
            o.error_s / max(MIN_SCALE_S, (o.forecast.eta - o.now).total_seconds())
            for o in outcomes
            if horizon_bucket(o.forecast.stops_away) == name
        ]
        if relative:
            by_horizon[name] = Quantiles(
                shift=quantile(relative, 0.5),
                low=quantile(relative, tail),
                high=quantile(relative, 1.0 - tail),
            )
    return ErrorModel(by_horizon=by_horizon, coverage=coverage)


def _fold(route: VisitedRoute) -> int:
    return zlib.crc32(route.driver_id.encode()) % FOLDS


def _cross_fit(
    routes: Sequence[VisitedRoute], *, wait_for_window: bool, pace_prior_n: float | None
) -> list[Outcome]:
    """Forecasts for every route by a model that never saw its driver."""
    outcomes = []
    for fold in range(FOLDS):
        train = [r for r in routes if _fold(r) != fold]
        held = [r for r in routes if _fold(r) == fold]
        if not train or not held:
            continue
        learned = _fit_means(
            legs_of(train), wait_for_window=wait_for_window, pace_prior_n=pace_prior_n
        )
        outcomes += replay(held, forecaster(learned))
    return outcomes


def _mae(outcomes: Sequence[Outcome]) -> float:
    return math.fsum(abs(o.error_s) for o in outcomes) / len(outcomes) if outcomes else math.inf


def fit(routes: Sequence[VisitedRoute]) -> LearnedEta:
    """The model for `routes`: options picked and windows learned by cross-fitting by driver."""
    best: tuple[float, bool, float | None, list[Outcome]] | None = None
    for wait, pace in itertools.product((False, True), (None, 3.0)):
        outcomes = _cross_fit(routes, wait_for_window=wait, pace_prior_n=pace)
        mae = _mae(outcomes)
        if best is None or mae < best[0]:
            best = (mae, wait, pace, outcomes)
    assert best is not None
    _, wait, pace, outcomes = best
    anchor, weights = _window_blend(outcomes)
    blended = [_blended(o, anchor, weights) for o in outcomes]
    learned = _fit_means(legs_of(routes), wait_for_window=wait, pace_prior_n=pace)
    return replace(
        learned, window_anchor=anchor, window_weight=weights, errors=error_model(blended)
    )


def _blended(outcome: Outcome, anchor: float, weights: Mapping[str, float]) -> Outcome:
    if outcome.stop is None:
        return outcome
    eta = toward_window(
        outcome.forecast.eta,
        now=outcome.now,
        stop=outcome.stop,
        anchor=anchor,
        weight=weights.get(horizon_bucket(outcome.forecast.stops_away), 0.0),
    )
    return replace(outcome, forecast=replace(outcome.forecast, eta=eta))


def _window_blend(outcomes: Sequence[Outcome]) -> tuple[float, dict[str, float]]:
    """The window anchor and per-horizon pull that minimise the cross-fit absolute error."""
    rows = [o for o in outcomes if o.stop and o.stop.window_start and o.stop.window_end]
    if not rows:
        return 0.5, {}
    eta = np.array([(o.forecast.eta - o.now).total_seconds() for o in rows])
    actual = np.array([(o.actual - o.now).total_seconds() for o in rows])
    opens = np.array(
        [
            (o.stop.window_start - o.now).total_seconds()
            for o in rows
            if o.stop and o.stop.window_start
        ]
    )
    closes = np.array(
        [(o.stop.window_end - o.now).total_seconds() for o in rows if o.stop and o.stop.window_end]
    )
    bucket = np.array([horizon_bucket(o.forecast.stops_away) for o in rows])
    best: tuple[float, float, dict[str, float]] | None = None
    for anchor in np.linspace(0.0, 1.0, 11):
        target = np.maximum(0.0, opens + anchor * (closes - opens))
        weights, total = {}, 0.0
        for name in HORIZONS:
            mask = bucket == name
            if not mask.any():
                continue
            errors = [
                (
                    float(
                        np.abs(actual[mask] - (eta[mask] + w * (target[mask] - eta[mask]))).sum()
                    ),
                    w,
                )
                for w in np.linspace(0.0, 1.0, 11)
            ]
            error, weight = min(errors)
            weights[name], total = float(weight), total + error
        if best is None or total < best[0]:
            best = (total, float(anchor), weights)
    assert best is not None
    return best[1], best[2]
