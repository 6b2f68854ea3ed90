"""Replay history: after each actual arrival, forecast every later stop of the route; score it."""

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lastmile.eta.learning import LearnedEta, VisitedRoute
from lastmile.eta.model import HORIZONS, Stop, StopForecast, horizon_bucket, quantile
from lastmile.eta.predictor import Predictor, StraightLine, route_pace

Forecaster = Callable[[VisitedRoute, int], list[StopForecast]]
"""(route, index of the stop just reached) → forecasts for the route's later stops."""


@dataclass(frozen=True, slots=True)
class Outcome:
    now: datetime
    forecast: StopForecast
    actual: datetime
    stop: Stop | None = None

    @property
    def error_s(self) -> float:
        """Actual minus predicted: positive when the driver came later than said."""
        return (self.actual - self.forecast.eta).total_seconds()

    @property
    def covered(self) -> bool:
        return self.forecast.window_start <= self.actual <= self.forecast.window_end


def forecaster(learned: LearnedEta) -> Forecaster:
    """The learned model on straight-line travel, with the route's own pace so far."""
    predictor = Predictor(learned, StraightLine(learned.seconds_per_m))

    def after_arrival(route: VisitedRoute, index: int) -> list[StopForecast]:
        visits = route.visits
        here = visits[index]
        stops = [v.stop for v in visits[index + 1 :]]
        pace = 1.0
        if learned.pace_prior_n is not None and index > 0:
            done = visits[: index + 1]
            predicted = [
                predictor.service_s(driver_id=route.driver_id, stop=a.stop)
                + predictor.leg_s(
                    a.stop,
                    b.stop,
                    base_s=predictor.travel.base_s(
                        (a.stop.lat, a.stop.lon), (b.stop.lat, b.stop.lon)
                    ),
                    at=a.arrived_at,
                )
                for a, b in itertools.pairwise(done)
            ]
            actual = [
                (b.arrived_at - a.arrived_at).total_seconds() for a, b in itertools.pairwise(done)
            ]
            pace = route_pace(predicted, actual, learned.pace_prior_n)
        return predictor.predict(
            now=here.arrived_at,
            origin=(here.stop.lat, here.stop.lon),
            stops=stops,
            base_legs_s=predictor.base_legs_s(stops),
            driver_id=route.driver_id,
            service_here_s=predictor.service_s(driver_id=route.driver_id, stop=here.stop),
            pace=pace,
        )

    return after_arrival


def replay(routes: Iterable[VisitedRoute], predict: Forecaster) -> list[Outcome]:
    outcomes = []
    for route in routes:
        for index in range(len(route.visits) - 1):
            now = route.visits[index].arrived_at
            later = route.visits[index + 1 :]
            for forecast, visit in zip(predict(route, index), later, strict=True):
                outcomes.append(Outcome(now, forecast, visit.arrived_at, visit.stop))
    return outcomes


def _summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    if not outcomes:
        return {
            "n": 0,
            "mae_min": None,
            "p50_abs_min": None,
            "p90_abs_min": None,
            "window_coverage": None,
        }
    errors = [abs(o.error_s) / 60.0 for o in outcomes]
    return {
        "n": len(outcomes),
        "mae_min": round(math.fsum(errors) / len(errors), 2),
        "p50_abs_min": round(quantile(errors, 0.5), 2),
        "p90_abs_min": round(quantile(errors, 0.9), 2),
        "window_coverage": round(sum(o.covered for o in outcomes) / len(outcomes), 3),
    }


def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The backtest's JSON: overall figures and the same per horizon bucket."""
    result = _summary(outcomes)
    result["by_horizon"] = {
        name: _summary([o for o in outcomes if horizon_bucket(o.forecast.stops_away) == name])
        for name in HORIZONS
    }
    return result
