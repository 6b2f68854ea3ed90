"""A planned route's road legs: the path into each stop and its planned driving time.

Built once per route from what the planner stored (`polyline6` hub → stops → hub and the
stops' planned times); a fix then only projects its position onto the leg it is on and takes
the remaining share of that leg's time: no routing call, no matrix.
"""

import dataclasses
import math
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from lastmile.eta.model import LatLon
from lastmile.geo import EARTH_RADIUS_M

SPLIT_TOLERANCE_M = 25.0
"""A stop splits the path at the first vertex this close to the nearest one (then downhill)."""
MAX_SPLIT_M = 500.0
"""Further than this from its path, a stop was not on it: the path is not used."""
SLOW_LEG_RATIO = 2.0
"""A leg planned this much slower per metre than the route's median held waiting time (a
re-timing after an edit leaves the leg out of a done stop starting at the edit): its time is
its length at the median pace instead."""

_M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """A stop as the planner left it: where, and when it was to arrive and leave."""

    stop_id: uuid.UUID
    lat: float
    lon: float
    planned_arrival: datetime
    planned_departure: datetime


@dataclass(frozen=True, eq=False)
class RoadLeg:
    """The road path from one stop (None: the hub) to the next and its base driving time.

    Vertices are kept in metres on a local plane around the first one, so projecting a
    position is a few vectorised operations.
    """

    from_stop: uuid.UUID | None
    to_stop: uuid.UUID
    duration_s: float
    distance_m: float
    _lat0: float
    _lon0: float
    _cos0: float
    _start: tuple[float, float]
    _ax: NDArray[np.float64]
    _ay: NDArray[np.float64]
    _dx: NDArray[np.float64]
    _dy: NDArray[np.float64]
    _inverse_length2: NDArray[np.float64]
    _length: NDArray[np.float64]
    _cum_m: NDArray[np.float64]

    @classmethod
    def from_path(
        cls,
        path: Sequence[LatLon],
        *,
        duration_s: float,
        to_stop: uuid.UUID,
        from_stop: uuid.UUID | None = None,
    ) -> "RoadLeg":
        points = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        lat0, lon0 = float(points[0, 0]), float(points[0, 1])
        cos0 = math.cos(math.radians(lat0))
        x = (points[:, 1] - lon0) * cos0 * _M_PER_DEG
        y = (points[:, 0] - lat0) * _M_PER_DEG
        dx, dy = np.diff(x), np.diff(y)
        length = np.hypot(dx, dy)
        inverse_length2 = np.divide(
            1.0, length * length, out=np.zeros_like(length), where=length > 0
        )
        cum = np.concatenate(([0.0], np.cumsum(length)))
        return cls(
            from_stop,
            to_stop,
            duration_s,
            float(cum[-1]),
            lat0,
            lon0,
            cos0,
            (float(x[0]), float(y[0])),
            x[:-1],
            y[:-1],
            dx,
            dy,
            inverse_length2,
            length,
            cum,
        )

    def remaining_s(self, position: LatLon, *, corridor_m: float) -> float | None:
        """Base time left from `position` projected onto the path; None when it is off the path.

        Examples
        --------
        >>> leg = RoadLeg.from_path(
        ...     [(60.0, 25.0), (60.0, 25.02)], duration_s=200.0, to_stop=uuid.UUID(int=1)
        ... )
        >>> round(leg.remaining_s((60.0003, 25.015), corridor_m=100.0))
        50
        >>> leg.remaining_s((60.01, 25.015), corridor_m=100.0) is None
        True
        """
        px = (position[1] - self._lon0) * self._cos0 * _M_PER_DEG
        py = (position[0] - self._lat0) * _M_PER_DEG
        if self.distance_m <= 0.0:
            off_m = math.hypot(px - self._start[0], py - self._start[1])
            return 0.0 if off_m <= corridor_m else None
        rx, ry = px - self._ax, py - self._ay
        t = np.clip((rx * self._dx + ry * self._dy) * self._inverse_length2, 0.0, 1.0)
        ox, oy = rx - t * self._dx, ry - t * self._dy
        off2 = ox * ox + oy * oy
        index = int(off2.argmin())
        if float(off2[index]) > corridor_m * corridor_m:
            return None
        along_m = float(self._cum_m[index]) + float(t[index]) * float(self._length[index])
        return self.duration_s * max(0.0, self.distance_m - along_m) / self.distance_m


@dataclass(frozen=True, eq=False)
class RoadRoute:
    """The legs of a planned route, by the stop each one leads to."""

    legs: dict[uuid.UUID, RoadLeg]

    def leg_into(self, stop_id: uuid.UUID) -> RoadLeg | None:
        return self.legs.get(stop_id)


def split_path(path: Sequence[LatLon], waypoints: Sequence[LatLon]) -> list[int] | None:
    """The vertex index of each waypoint on `path`, in order; None when one is not on it.

    Each waypoint takes the first vertex (after the previous waypoint's) within
    `SPLIT_TOLERANCE_M` of its nearest one, then walks on while the path comes closer: a path
    passing the same place twice (out and back along a street) is split at its first visit.

    >>> split_path([(60.0, 25.0), (60.0, 25.01), (60.0, 25.02)], [(60.0, 25.0), (60.0, 25.02)])
    [0, 2]
    """
    if not path:
        return None
    points = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    cos0 = math.cos(math.radians(float(points[0, 0])))
    indexes: list[int] = []
    start = 0
    for lat, lon in waypoints:
        dist = np.hypot(
            (points[start:, 1] - lon) * cos0 * _M_PER_DEG, (points[start:, 0] - lat) * _M_PER_DEG
        )
        if dist.size == 0 or float(dist.min()) > MAX_SPLIT_M:
            return None
        index = int(np.argmax(dist <= float(dist.min()) + SPLIT_TOLERANCE_M))
        while index + 1 < dist.size and dist[index + 1] < dist[index]:
            index += 1
        indexes.append(start + index)
        start += index
    return indexes


def build_road_route(
    *,
    polyline_points: Sequence[LatLon],
    hub: LatLon,
    planned_start: datetime,
    stops: Sequence[PlannedStop],
) -> RoadRoute | None:
    """Legs hub → first stop → … → last stop from the stored path and planned times.

    None when the path is missing or does not pass the stops (then the caller falls back).
    """
    if len(polyline_points) < 2 or not stops:
        return None
    split = split_path(polyline_points, [hub, *((s.lat, s.lon) for s in stops)])
    if split is None:
        return None
    previous: PlannedStop | None = None
    paths, planned = [], []
    for index, stop in enumerate(stops):
        depart = planned_start if previous is None else previous.planned_departure
        paths.append(polyline_points[split[index] : split[index + 1] + 1])
        planned.append((stop.planned_arrival - depart).total_seconds())
        previous = stop
    legs = [
        RoadLeg.from_path(
            path or [(stop.lat, stop.lon)],
            duration_s=max(0.0, seconds),
            to_stop=stop.stop_id,
            from_stop=stops[index - 1].stop_id if index else None,
        )
        for index, (path, seconds, stop) in enumerate(zip(paths, planned, stops, strict=True))
    ]
    return RoadRoute({leg.to_stop: leg for leg in _without_waiting(legs)})


def _without_waiting(legs: Sequence[RoadLeg]) -> list[RoadLeg]:
    paces = [g.duration_s / g.distance_m for g in legs if g.distance_m > 0 and g.duration_s > 0]
    if not paces:
        return list(legs)
    median = statistics.median(paces)
    return [
        leg
        if leg.distance_m <= 0 or 0 < leg.duration_s <= SLOW_LEG_RATIO * median * leg.distance_m
        else dataclasses.replace(leg, duration_s=median * leg.distance_m)
        for leg in legs
    ]
