"""What the ETA learns from history: pace, speed factors by hour of week x H3 cell, service times.

Every table backs off to a coarser one where data is thin, through shrinkage: a cell with
n observations weighs n / (n + prior) of its own mean against its parent's (hour-of-week at a
coarser cell, hour-of-week alone, then the global value).
"""

import functools
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import h3

from lastmile.eta.model import HORIZONS, ErrorModel, Quantiles, Stop
from lastmile.geo import haversine_m

FINE_RES = 8
COARSE_RES = 6
PRIOR_N = 5.0
"""Pseudo-observations of the parent value in every shrunk mean."""
MIN_TRAVEL_LEG_M = 300.0
"""Legs shorter than this say little about speed: they are mostly service time."""
MAX_FACTOR = 5.0


def hour_of_week(at: datetime) -> int:
    """0 = Monday 00:00-01:00, in the datetime's own offset (local time where the data is local).

    >>> hour_of_week(datetime(2026, 1, 6, 8, 30))
    32
    """
    return at.weekday() * 24 + at.hour


@functools.lru_cache(maxsize=65_536)
def cell(lat: float, lon: float) -> str:
    """The fine H3 cell of a point; coarser cells are its parents (never re-indexed).

    Cached: stops are looked up again on every position update of their route.
    """
    return str(h3.latlng_to_cell(lat, lon, FINE_RES))


@functools.lru_cache(maxsize=65_536)
def coarse_cell(fine_cell: str) -> str:
    return str(h3.cell_to_parent(fine_cell, COARSE_RES))


def _shrunk(values: Sequence[float], parent: float, prior_n: float = PRIOR_N) -> float:
    return (sum(values) + prior_n * parent) / (len(values) + prior_n)


def _shrunk_median(values: Sequence[float], parent: float, prior_n: float = PRIOR_N) -> float:
    """Like `_shrunk` but around the median: service times have a long tail of interruptions."""
    middle = float(statistics.median(values))
    return (len(values) * middle + prior_n * parent) / (len(values) + prior_n)


@dataclass(frozen=True, slots=True)
class Visit:
    """A stop as it happened: where, when the driver arrived, what was planned."""

    stop: Stop
    arrived_at: datetime
    service_s: float | None = None


@dataclass(frozen=True, slots=True)
class VisitedRoute:
    route_id: str
    driver_id: str
    visits: Sequence[Visit]


@dataclass(frozen=True, slots=True)
class Leg:
    """Two consecutive visits: time between arrivals = service at the first + travel."""

    driver_id: str
    origin: Visit
    target: Visit

    @property
    def distance_m(self) -> float:
        a, b = self.origin.stop, self.target.stop
        return haversine_m(a.lat, a.lon, b.lat, b.lon)

    @property
    def gap_s(self) -> float:
        return (self.target.arrived_at - self.origin.arrived_at).total_seconds()


def legs_of(routes: Iterable[VisitedRoute]) -> list[Leg]:
    return [
        Leg(route.driver_id, a, b)
        for route in routes
        for a, b in zip(route.visits, route.visits[1:], strict=False)
    ]


@dataclass(frozen=True, slots=True)
class SpeedFactors:
    """Travel time multiplier (actual / base) by hour of week and H3 cell of the leg's origin."""

    fine: Mapping[str, float] = field(default_factory=dict)
    coarse: Mapping[str, float] = field(default_factory=dict)
    hourly: Mapping[str, float] = field(default_factory=dict)

    def factor(self, lat: float, lon: float, at: datetime) -> float:
        how = hour_of_week(at)
        if not self.coarse:
            return self.hourly.get(str(how), 1.0)
        fine_cell = cell(lat, lon)
        fine = self.fine.get(f"{how}:{fine_cell}")
        if fine is not None:
            return fine
        coarse = self.coarse.get(f"{how}:{coarse_cell(fine_cell)}")
        if coarse is not None:
            return coarse
        return self.hourly.get(str(how), 1.0)


def learn_speed_factors(
    observations: Iterable[tuple[float, float, datetime, float]],
) -> SpeedFactors:
    """From (lat, lon, at, actual/base ratio) observations, shrunk log-means per table."""
    by_hour: dict[str, list[float]] = defaultdict(list)
    by_coarse: dict[str, list[float]] = defaultdict(list)
    by_fine: dict[str, list[float]] = defaultdict(list)
    for lat, lon, at, ratio in observations:
        if not (math.isfinite(ratio) and ratio > 0):
            continue
        value = math.log(min(MAX_FACTOR, max(1.0 / MAX_FACTOR, ratio)))
        how = hour_of_week(at)
        fine_cell = cell(lat, lon)
        by_hour[str(how)].append(value)
        by_coarse[f"{how}:{coarse_cell(fine_cell)}"].append(value)
        by_fine[f"{how}:{fine_cell}"].append(value)
    hourly = {key: _shrunk(values, 0.0) for key, values in by_hour.items()}
    coarse = {key: _shrunk(v, hourly[key.split(":")[0]]) for key, v in by_coarse.items()}
    fine = {}
    for key, values in by_fine.items():
        hour, fine_id = key.split(":")
        parent = coarse[f"{hour}:{coarse_cell(fine_id)}"]
        fine[key] = _shrunk(values, parent)
    return SpeedFactors(
        fine={k: math.exp(v) for k, v in fine.items()},
        coarse={k: math.exp(v) for k, v in coarse.items()},
        hourly={k: math.exp(v) for k, v in hourly.items()},
    )


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    """Seconds spent at a stop: global, shrunk per kind of address, plus a per-driver offset."""

    global_s: float = 120.0
    by_kind: Mapping[str, float] = field(default_factory=dict)
    driver_offset_s: Mapping[str, float] = field(default_factory=dict)

    def seconds(self, *, driver_id: str, kind: str, planned_s: float | None = None) -> float:
        """The kind's learned time, else the planned one, else the global; plus the driver's."""
        base = self.by_kind.get(kind, self.global_s if planned_s is None else planned_s)
        return max(0.0, base + self.driver_offset_s.get(driver_id, 0.0))


def learn_service_times(samples: Iterable[tuple[str, str, float]], global_s: float) -> ServiceTimes:
    """From (driver, kind, observed service seconds): kinds shrunk to global, drivers to zero."""
    rows = list(samples)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _, kind, seconds in rows:
        by_kind[kind].append(seconds)
    kinds = {kind: _shrunk_median(values, global_s) for kind, values in by_kind.items()}
    by_driver: dict[str, list[float]] = defaultdict(list)
    for driver, kind, seconds in rows:
        by_driver[driver].append(seconds - kinds[kind])
    offsets = {driver: _shrunk_median(values, 0.0) for driver, values in by_driver.items()}
    return ServiceTimes(global_s=global_s, by_kind=kinds, driver_offset_s=offsets)


@dataclass(frozen=True, slots=True)
class LearnedEta:
    """Everything the ETA model learned; JSON round-trips so a live server can load it."""

    seconds_per_m: float = 0.15
    service: ServiceTimes = field(default_factory=ServiceTimes)
    speed: SpeedFactors = field(default_factory=SpeedFactors)
    errors: ErrorModel = field(default_factory=ErrorModel)
    wait_for_window: bool = False
    pace_prior_n: float | None = 3.0
    """Online pace: pseudo-legs of 1.0 against which a route's observed pace is shrunk;
    None turns it off."""
    window_anchor: float = 0.5
    """Where in a customer's window drivers tend to come (0 = opening, 1 = closing)."""
    window_weight: Mapping[str, float] = field(default_factory=dict)
    """Per horizon, how far the ETA is pulled toward the window anchor (0 = not at all)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds_per_m": self.seconds_per_m,
            "service": {
                "global_s": self.service.global_s,
                "by_kind": dict(self.service.by_kind),
                "driver_offset_s": dict(self.service.driver_offset_s),
            },
            "speed": {
                "fine": dict(self.speed.fine),
                "coarse": dict(self.speed.coarse),
                "hourly": dict(self.speed.hourly),
            },
            "errors": {
                "coverage": self.errors.coverage,
                "by_horizon": {
                    name: [q.shift, q.low, q.high] for name, q in self.errors.by_horizon.items()
                },
            },
            "wait_for_window": self.wait_for_window,
            "pace_prior_n": self.pace_prior_n,
            "window_anchor": self.window_anchor,
            "window_weight": dict(self.window_weight),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "LearnedEta":
        errors = data.get("errors", {})
        return cls(
            seconds_per_m=float(data["seconds_per_m"]),
            service=ServiceTimes(**data.get("service", {})),
            speed=SpeedFactors(**data.get("speed", {})),
            errors=ErrorModel(
                by_horizon={
                    name: Quantiles(*values)
                    for name, values in errors.get("by_horizon", {}).items()
                    if name in HORIZONS
                },
                coverage=float(errors.get("coverage", 0.8)),
            ),
            wait_for_window=bool(data.get("wait_for_window", False)),
            pace_prior_n=data.get("pace_prior_n", 3.0),
            window_anchor=float(data.get("window_anchor", 0.5)),
            window_weight={k: float(v) for k, v in data.get("window_weight", {}).items()},
        )


MIN_FIX_GAP_S = 10.0
MAX_FIX_GAP_S = 120.0
MIN_MOVING_MPS = 1.0


def fix_speed_observations(
    tracks: Iterable[Sequence[tuple[datetime, float, float]]],
) -> list[tuple[float, float, datetime, float]]:
    """Our fleet's own fixes → (lat, lon, at, slowness) for `learn_speed_factors`.

    Slowness is seconds per metre between consecutive fixes of a track (time-ordered
    (at, lat, lon)), driving only (halts are service, not traffic), divided by its median so
    the typical hour and place is 1.0.
    """
    raw = []
    for track in tracks:
        for (t1, lat1, lon1), (t2, lat2, lon2) in itertools.pairwise(track):
            gap_s = (t2 - t1).total_seconds()
            distance_m = haversine_m(lat1, lon1, lat2, lon2)
            if MIN_FIX_GAP_S <= gap_s <= MAX_FIX_GAP_S and distance_m / gap_s >= MIN_MOVING_MPS:
                raw.append((lat1, lon1, t1, gap_s / distance_m))
    if not raw:
        return []
    typical = statistics.median(r[3] for r in raw)
    return [(lat, lon, at, slowness / typical) for lat, lon, at, slowness in raw]
