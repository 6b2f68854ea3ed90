"""A real-ish delivery on a GPS track: the van drives in and parks, the driver walks 40 m to
the door, waits two minutes there, walks back and presses "delivered" beside the van."""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from lastmile.geo import from_local_m
from lastmile.trips.types import TrackPoint

STEP_S = 3.0
DOOR_NORTH_M = 40.0

type Leg = tuple[float, float, float]
"""Walk or drive to (east_m, north_m) from the previous point in `duration_s`."""

VISIT: Sequence[Leg] = (
    (0.0, 0.0, 50.0),  # driving in from 400 m west, 8 m/s
    (0.0, 0.0, 20.0),  # parked: out of the van
    (0.0, DOOR_NORTH_M, 30.0),  # walking to the door
    (0.0, DOOR_NORTH_M, 120.0),  # at the door
    (0.0, 0.0, 30.0),  # back to the van
    (0.0, 0.0, 12.0),  # "delivered" pressed beside it
)


def door_visit(
    *, van: tuple[float, float], start: datetime, seed: int = 7
) -> tuple[list[TrackPoint], tuple[float, float], datetime]:
    """The track of one visit ending at the van, where the door is and when it ended.

    Fixes every `STEP_S` with 3 m of Gaussian jitter; the van is parked at `van`."""
    rng = random.Random(seed)
    points: list[TrackPoint] = []
    east_m, north_m, at = -400.0, 0.0, start
    for to_east_m, to_north_m, duration_s in VISIT:
        steps = round(duration_s / STEP_S)
        speed_mps = ((to_east_m - east_m) ** 2 + (to_north_m - north_m) ** 2) ** 0.5 / duration_s
        for step in range(steps):
            share = (step + 1) / steps
            e = east_m + (to_east_m - east_m) * share + rng.gauss(0.0, 3.0)
            n = north_m + (to_north_m - north_m) * share + rng.gauss(0.0, 3.0)
            lat, lon = from_local_m(e, n, origin_lat=van[0], origin_lon=van[1])
            points.append(TrackPoint(at, lat, lon, 6.0, speed_mps))
            at += timedelta(seconds=STEP_S)
        east_m, north_m = to_east_m, to_north_m
    door = from_local_m(0.0, DOOR_NORTH_M, origin_lat=van[0], origin_lon=van[1])
    return points, door, points[-1].at
