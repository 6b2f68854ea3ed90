"""A learned model + a travel-time source → ETA forecasts for the remaining stops of a route."""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from lastmile.eta.learning import LearnedEta
from lastmile.eta.model import (
    LatLon,
    Stop,
    StopForecast,
    arrivals,
    forecast,
    horizon_bucket,
    straight_line_s,
    toward_window,
)

PACE_SMOOTHING_S = 60.0
"""Added to both sides of a pace ratio: minute-precise arrivals make short gaps noisy."""


class TravelTimes(Protocol):
    """Base travel time in seconds between two points, before speed factors."""

    def base_s(self, a: LatLon, b: LatLon) -> float: ...

    def legs_s(self, points: Sequence[LatLon]) -> list[float]:
        """Travel time of each consecutive pair: one call per route, not per fix."""
        ...


@dataclass(frozen=True, slots=True)
class StraightLine:
    """Great-circle distance x learned seconds per metre (detour and speed in one number)."""

    seconds_per_m: float

    def base_s(self, a: LatLon, b: LatLon) -> float:
        return straight_line_s(a, b, seconds_per_m=self.seconds_per_m)

    def legs_s(self, points: Sequence[LatLon]) -> list[float]:
        return [self.base_s(a, b) for a, b in itertools.pairwise(points)]


def route_pace(predicted_s: Sequence[float], actual_s: Sequence[float], prior_n: float) -> float:
    """The route's observed pace (actual / predicted), shrunk toward 1 by `prior_n` pseudo-legs.

    >>> route_pace([], [], 3.0)
    1.0
    >>> round(route_pace([600.0] * 3, [1200.0] * 3, 3.0), 2)
    1.38
    """
    logs = [
        math.log((a + PACE_SMOOTHING_S) / (p + PACE_SMOOTHING_S))
        for p, a in zip(predicted_s, actual_s, strict=True)
        if p >= 0 and a >= 0
    ]
    if not logs:
        return 1.0
    return math.exp(max(-2.0, min(2.0, sum(logs) / (len(logs) + prior_n))))


class Predictor:
    """ETAs and windows for a driver's remaining stops; legs come from the caller's cache."""

    def __init__(self, learned: LearnedEta, travel: TravelTimes) -> None:
        self.learned = learned
        self.travel = travel

    def base_legs_s(self, stops: Sequence[Stop]) -> list[float]:
        return self.travel.legs_s([(s.lat, s.lon) for s in stops])

    def service_s(self, *, driver_id: str, stop: Stop) -> float:
        return self.learned.service.seconds(
            driver_id=driver_id, kind=stop.kind, planned_s=stop.service_s
        )

    def leg_s(self, a: Stop | LatLon, b: Stop, *, base_s: float, at: datetime) -> float:
        lat, lon = (a.lat, a.lon) if isinstance(a, Stop) else a
        return base_s * self.learned.speed.factor(lat, lon, at)

    def predict(
        self,
        *,
        now: datetime,
        origin: LatLon,
        stops: Sequence[Stop],
        base_legs_s: Sequence[float],
        driver_id: str,
        gps_age_s: float | None = None,
        service_here_s: float = 0.0,
        pace: float = 1.0,
        first_base_s: float | None = None,
    ) -> list[StopForecast]:
        """Forecasts for `stops` in order, the driver at `origin` (the last fix, or a stop).

        `first_base_s`: the base time from `origin` to the first stop when the caller knows
        it (road legs); else the travel source's.
        """
        if not stops:
            return []
        depart_at = now + timedelta(seconds=service_here_s * pace)
        if first_base_s is None:
            first_base_s = self.travel.base_s(origin, (stops[0].lat, stops[0].lon))
        first_leg = pace * self.leg_s(origin, stops[0], base_s=first_base_s, at=depart_at)
        services = [pace * self.service_s(driver_id=driver_id, stop=s) for s in stops]
        legs = []
        clock = depart_at + timedelta(seconds=first_leg)
        for index, base in enumerate(base_legs_s):
            leg = pace * self.leg_s(stops[index], stops[index + 1], base_s=base, at=clock)
            legs.append(leg)
            clock += timedelta(seconds=services[index] + leg)
        etas = arrivals(
            depart_at=depart_at,
            first_leg_s=first_leg,
            legs_s=legs,
            service_s=services,
            stops=stops,
            wait_for_window=self.learned.wait_for_window,
        )
        learned = self.learned
        etas = [
            toward_window(
                eta,
                now=now,
                stop=stop,
                anchor=learned.window_anchor,
                weight=learned.window_weight.get(horizon_bucket(index + 1), 0.0),
            )
            for index, (eta, stop) in enumerate(zip(etas, stops, strict=True))
        ]
        return forecast(
            now=now, etas=etas, stops=stops, errors=self.learned.errors, gps_age_s=gps_age_s
        )
