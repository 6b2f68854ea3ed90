"""Distance from a position to a route's road geometry, in metres (for the deviation corridor)."""

from collections.abc import Sequence

import numpy as np

from lastmile.geo import to_local_m


class Corridor:
    """A route's polyline projected once onto a local plane; `distance_m` is then cheap per fix."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        if not points:
            raise ValueError("a corridor needs at least one point")
        self._origin = points[0]
        xy = np.array([self._local(lat, lon) for lat, lon in points], dtype=float)
        if len(xy) == 1:
            xy = np.vstack([xy, xy])
        self._start = xy[:-1]
        self._vector = xy[1:] - xy[:-1]
        self._length_sq = np.maximum((self._vector**2).sum(axis=1), 1e-9)

    def _local(self, lat: float, lon: float) -> tuple[float, float]:
        return to_local_m(lat, lon, origin_lat=self._origin[0], origin_lon=self._origin[1])

    def distance_m(self, lat: float, lon: float) -> float:
        point = np.array(self._local(lat, lon))
        along = ((point - self._start) * self._vector).sum(axis=1) / self._length_sq
        nearest = self._start + np.clip(along, 0.0, 1.0)[:, None] * self._vector
        return float(np.sqrt(((nearest - point) ** 2).sum(axis=1)).min())
