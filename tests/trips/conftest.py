"""Synthetic tracks for the trips tests: a driver heading east, with GPS jitter if asked."""

import math
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from lastmile.geo import from_local_m
from lastmile.trips import TrackPoint

ORIGIN_LAT, ORIGIN_LON = 52.52, 13.405
T0 = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)

type Piece = tuple[str, float] | tuple[str, float, float]


def make_track(
    pieces: Sequence[Piece],
    *,
    step_s: float = 5.0,
    jitter_m: float = 0.0,
    seed: int = 0,
    accuracy_m: float | None = None,
    outliers: Sequence[int] = (),
    start: datetime = T0,
) -> list[TrackPoint]:
    """Pieces are `("stop", duration_s)` or `("move", duration_s, speed_mps)`, due east.

    Jitter is uniform within `jitter_m` of the true position; the fixes numbered in
    `outliers` are thrown 300 m north.
    """
    rng = random.Random(seed)
    points: list[TrackPoint] = []
    t_s = east_m = 0.0
    for piece in pieces:
        end_s = t_s + piece[1]
        speed_mps = piece[2] if piece[0] == "move" and len(piece) == 3 else 0.0
        while t_s < end_s:
            east_m += speed_mps * step_s
            r_m, angle = jitter_m * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            north_m = r_m * math.sin(angle) + (300.0 if len(points) in outliers else 0.0)
            lat, lon = from_local_m(
                east_m + r_m * math.cos(angle),
                north_m,
                origin_lat=ORIGIN_LAT,
                origin_lon=ORIGIN_LON,
            )
            points.append(TrackPoint(start + timedelta(seconds=t_s), lat, lon, accuracy_m))
            t_s += step_s
    return points


def east_of_origin(east_m: float) -> tuple[float, float]:
    return from_local_m(east_m, 0.0, origin_lat=ORIGIN_LAT, origin_lon=ORIGIN_LON)


@pytest.fixture
def track() -> Callable[..., list[TrackPoint]]:
    """`track(pieces, step_s=..., jitter_m=..., ...)` builds a synthetic track."""
    return make_track


@pytest.fixture
def east() -> Callable[[float], tuple[float, float]]:
    """(lat, lon) of the point that many metres east of the tracks' origin."""
    return east_of_origin
