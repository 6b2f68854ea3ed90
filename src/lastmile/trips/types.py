"""The shapes stop detection passes around: a track's points, the segments made of them, and
the tuning of the detector. Apart from segmentation.py and stationary.py, which both read them.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from lastmile.errors import InvalidInput
from lastmile.types import Fix

SegmentKind = Literal["stop", "move"]


class TrackPoint(NamedTuple):
    """One position of a track; `at` is timezone-aware UTC. A tuple: the live path makes one
    per fix, in well under half a frozen dataclass's time."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None
    speed_mps: float | None = None

    @classmethod
    def from_fix(cls, fix: Fix) -> "TrackPoint":
        return cls(fix.at, fix.lat, fix.lon, fix.accuracy_m, fix.speed_mps)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stop (centre in `lat`/`lon`) or a move (its end point in `lat`/`lon`)."""

    kind: SegmentKind
    start: datetime
    end: datetime
    lat: float
    lon: float
    duration_s: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class SegmentationConfig:
    """Tuning of stop detection.

    The defaults are what ships everywhere (the unscheduled-halt alert, the trips API and
    `lastmile trips detect`): tuned on the tuning half of real delivery tracks among the
    parameters that keep the product's meaning of a stop (a 1.5-2 m/s crawl in traffic
    and a 30 s pause at a light are moves; a parked phone with jitter and multipath is
    one stop), and scored on the other half (bench/stops.py, docs/PERFORMANCE.md).

    min_dwell_s: shortest stop reported.
    window_s: span of fixes looked at around each fix to call it stationary.
    radius_m: fixes of a stationary window lie within this distance of their median.
    accuracy_factor, max_radius_m: the radius grows to `accuracy_factor` times the
        window's median reported accuracy, up to `max_radius_m`.
    outlier_fraction: share of a window's fixes allowed outside the radius.
    moving_speed_mps: a window whose median reported speed is above this is moving.
    drift_speed_mps: a window within `max_radius_m` (a third of it may be outliers)
        whose median position moves slower than this is stationary; 0 turns it off.
    merge_gap_s: moving gaps up to this long inside a stop are merged into it.
    max_extent_m: a stop's smoothed position never strays further than this from
        where it began; beyond it the stop is cut.
    """

    min_dwell_s: float = 20.0
    window_s: float = 40.0
    radius_m: float = 20.0
    accuracy_factor: float = 2.0
    max_radius_m: float = 50.0
    outlier_fraction: float = 0.2
    moving_speed_mps: float = 2.0
    drift_speed_mps: float = 0.8
    merge_gap_s: float = 20.0
    max_extent_m: float = 50.0

    def __post_init__(self) -> None:
        for name in ("min_dwell_s", "window_s", "radius_m", "max_radius_m", "max_extent_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInput(name, f"is {value}: must be a positive number")
        for name in ("accuracy_factor", "moving_speed_mps", "drift_speed_mps", "merge_gap_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(name, f"is {value}: must be zero or positive")
        if not 0 <= self.outlier_fraction < 1:
            raise InvalidInput(
                "outlier_fraction", f"is {self.outlier_fraction}: must be within 0..1 (1 excluded)"
            )
        if self.max_radius_m < self.radius_m:
            raise InvalidInput(
                "max_radius_m", f"is {self.max_radius_m}: must be at least radius_m {self.radius_m}"
            )
