"""Synthetic tracks for the pipeline tests, in metres east and north of a Helsinki origin."""

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lastmile.geo import from_local_m, to_local_m
from lastmile.types import Fix

ORIGIN_LAT, ORIGIN_LON = 60.1699, 24.9384
T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Sample:
    """A synthetic fix and the true position it was measured from."""

    fix: Fix
    true_m: Point


class Tracks:
    """Builders for synthetic fixes and tracks; all noise comes from a seeded generator."""

    t0 = T0

    def fix(
        self, east_m: float = 0.0, north_m: float = 0.0, *, at_s: float = 0.0, **fields: Any
    ) -> Fix:
        lat, lon = from_local_m(east_m, north_m, origin_lat=ORIGIN_LAT, origin_lon=ORIGIN_LON)
        fields.setdefault("device_id", "van-7")
        fields.setdefault("accuracy_m", 8.0)
        return Fix(at=T0 + timedelta(seconds=at_s), lat=lat, lon=lon, **fields)

    def local(self, lat: float, lon: float) -> Point:
        return to_local_m(lat, lon, origin_lat=ORIGIN_LAT, origin_lon=ORIGIN_LON)

    def drive(
        self,
        path_m: Sequence[Point],
        *,
        speed_mps: float,
        interval_s: float,
        noise_m: float,
        seed: int,
        accuracy_m: float = 8.0,
        doppler: bool = True,
    ) -> list[Sample]:
        """Drive along `path_m` at constant speed, one fix every `interval_s`.

        With `doppler` the fixes carry speed and heading as a phone measures them.
        """
        rng = random.Random(seed)
        legs = list(itertools.pairwise(path_m))
        total_m = sum(math.dist(a, b) for a, b in legs)
        samples = []
        steps = int(total_m / speed_mps / interval_s)
        for step in range(steps + 1):
            at_s = step * interval_s
            (east, north), heading = _along(legs, at_s * speed_mps)
            extra: dict[str, Any] = {}
            if doppler:
                extra["speed_mps"] = max(0.0, speed_mps + rng.gauss(0, 0.3))
                extra["heading_deg"] = (heading + rng.gauss(0, 3)) % 360
            fix = self.fix(
                east + rng.gauss(0, noise_m),
                north + rng.gauss(0, noise_m),
                at_s=at_s,
                accuracy_m=accuracy_m,
                **extra,
            )
            samples.append(Sample(fix, (east, north)))
        return samples

    def parked(
        self, *, count: int, interval_s: float, noise_m: float, accuracy_m: float, seed: int
    ) -> list[Sample]:
        """A phone lying still at the origin, its fixes jittering around it."""
        rng = random.Random(seed)
        return [
            Sample(
                self.fix(
                    rng.gauss(0, noise_m),
                    rng.gauss(0, noise_m),
                    at_s=index * interval_s,
                    accuracy_m=accuracy_m,
                    speed_mps=0.0,
                ),
                (0.0, 0.0),
            )
            for index in range(count)
        ]

    def distance_to_path(self, point: Point, path_m: Sequence[Point]) -> float:
        return min(_to_segment(point, a, b) for a, b in itertools.pairwise(path_m))


def _along(legs: Sequence[tuple[Point, Point]], distance_m: float) -> tuple[Point, float]:
    """The point `distance_m` along the legs, and the heading of its leg in degrees."""
    for a, b in legs:
        length = math.dist(a, b)
        heading = math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360
        if distance_m <= length:
            share = distance_m / length
            return (a[0] + share * (b[0] - a[0]), a[1] + share * (b[1] - a[1])), heading
        distance_m -= length
    return legs[-1][1], heading


def _to_segment(point: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    share = 0.0
    if length2:
        share = ((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length2
        share = max(0.0, min(1.0, share))
    return math.dist(point, (a[0] + share * dx, a[1] + share * dy))


@pytest.fixture
def tracks() -> Tracks:
    return Tracks()
