"""Travel-time sources for live ETAs: a road network for the legs between stops."""

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from lastmile.eta.model import LatLon, straight_line_s
from lastmile.routing.network import RoadNetwork, RoutingError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NetworkTravel:
    """Legs between stops from the road network (once per route); the position's leg to the
    next stop along a straight line, so a fix never waits on the router."""

    network: RoadNetwork
    seconds_per_m: float

    def base_s(self, a: LatLon, b: LatLon) -> float:
        return straight_line_s(a, b, seconds_per_m=self.seconds_per_m)

    def legs_s(self, points: Sequence[LatLon]) -> list[float]:
        if len(points) < 2:
            return []
        try:
            matrix = self.network.matrix(points[:-1], points[1:])
        except RoutingError:
            log.warning("road network failed on %d stops: straight-line legs instead", len(points))
            return [self.base_s(a, b) for a, b in itertools.pairwise(points)]
        return [
            float(matrix.duration_s[i, i])
            if float(matrix.duration_s[i, i]) != float("inf")
            else self.base_s(points[i], points[i + 1])
            for i in range(len(points) - 1)
        ]
