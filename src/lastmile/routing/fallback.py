"""`RoadNetwork` without a map: great-circle distance times a circuity factor, at one speed."""

import itertools
import logging
import math
import threading
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from lastmile.errors import InvalidInput
from lastmile.geo import EARTH_RADIUS_M, haversine_m
from lastmile.routing import polyline
from lastmile.routing.network import (
    LatLon,
    MapMatch,
    MatchedPoint,
    Matrix,
    Route,
    Snap,
    TracePoint,
    check_points,
)

logger = logging.getLogger(__name__)

_warned = False
_warned_lock = threading.Lock()


class HaversineNetwork:
    """Straight lines stretched by `circuity`, driven at `speed_mps`: for when no map is set.

    Examples
    --------
    >>> net = HaversineNetwork(speed_mps=10.0, circuity=1.5)
    >>> r = net.route([(60.0, 25.0), (60.0, 25.01)])
    >>> round(r.distance_m), round(r.duration_s)
    (834, 83)
    """

    def __init__(self, speed_mps: float = 8.0, circuity: float = 1.3) -> None:
        if not (math.isfinite(speed_mps) and speed_mps > 0):
            raise InvalidInput("speed_mps", f"{speed_mps} must be a positive number")
        if not (math.isfinite(circuity) and circuity >= 1.0):
            raise InvalidInput("circuity", f"{circuity} must be at least 1.0")
        self.speed_mps = speed_mps
        self.circuity = circuity
        _warn_once(speed_mps, circuity)

    @property
    def costing(self) -> str:
        return "straight-line"

    def route(self, points: Sequence[LatLon]) -> Route:
        if len(points) < 2:
            raise InvalidInput("points", f"a route needs at least 2 points, got {len(points)}")
        check_points(points)
        distance_m = self.circuity * sum(
            haversine_m(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(points)
        )
        return Route(
            duration_s=distance_m / self.speed_mps,
            distance_m=distance_m,
            geometry=tuple(points),
            polyline6=polyline.encode(points, precision=6),
        )

    def matrix(self, sources: Sequence[LatLon], targets: Sequence[LatLon]) -> Matrix:
        check_points(sources, "sources")
        check_points(targets, "targets")
        distance_m = self.circuity * _pairwise_haversine_m(
            np.asarray(sources, dtype=np.float64).reshape(-1, 2),
            np.asarray(targets, dtype=np.float64).reshape(-1, 2),
        )
        return Matrix(duration_s=distance_m / self.speed_mps, distance_m=distance_m)

    def map_match(self, trace: Sequence[TracePoint]) -> MapMatch:
        """Without roads nothing can be matched: the trace comes back as it was."""
        if len(trace) < 2:
            raise InvalidInput("trace", f"map matching needs at least 2 points, got {len(trace)}")
        geometry = tuple((p.lat, p.lon) for p in trace)
        return MapMatch(
            geometry=geometry,
            polyline6=polyline.encode(geometry, precision=6),
            edges=(),
            points=tuple(MatchedPoint(p.lat, p.lon, "unmatched", None, None) for p in trace),
            distance_m=self.route(geometry).distance_m / self.circuity,
        )

    def snap(self, point: LatLon) -> Snap:
        """Every point counts as on a road."""
        check_points([point], "point")
        return Snap(lat=point[0], lon=point[1], distance_m=0.0)


def _pairwise_haversine_m(
    sources: NDArray[np.float64],
    targets: NDArray[np.float64],
) -> NDArray[np.float64]:
    lat1 = np.radians(sources[:, 0])[:, None]
    lat2 = np.radians(targets[:, 0])[None, :]
    dlat = lat2 - lat1
    dlon = np.radians(targets[:, 1])[None, :] - np.radians(sources[:, 1])[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    distance: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return distance


def _warn_once(speed_mps: float, circuity: float) -> None:
    global _warned
    with _warned_lock:
        if _warned:
            return
        _warned = True
    logger.warning(
        "no road map configured: travel times are straight-line estimates "
        "(distance x %.2f at %.1f m/s); import a map with `lastmile map import FILE.osm.pbf`",
        circuity,
        speed_mps,
    )
