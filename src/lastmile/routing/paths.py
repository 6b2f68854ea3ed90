"""A drawable road path through points, even where the engine cannot route them in one call."""

import itertools
import logging
from collections.abc import Sequence

from lastmile.routing.network import LatLon, RoadNetwork, RoutingError

log = logging.getLogger(__name__)


def road_path(network: RoadNetwork, points: Sequence[LatLon]) -> tuple[LatLon, ...]:
    """The path through `points` in order: one routing call, else leg by leg.

    A multi-stop call can fail where every leg alone succeeds (Valhalla keeps one road
    candidate per through-point for both legs at it); a leg the map cannot route at all is a
    straight line, so the path always visits every point.
    """
    if len(points) < 2:
        return tuple(points)
    try:
        return network.route(points).geometry
    except RoutingError as error:
        log.info("routing %d points leg by leg: %s", len(points), error.detail)
    path: list[LatLon] = [points[0]]
    straight = 0
    for a, b in itertools.pairwise(points):
        try:
            leg = list(network.route([a, b]).geometry)
        except RoutingError:
            leg, straight = [a, b], straight + 1
        path.extend([*leg[1:-1], b])
    if straight:
        log.warning("%d of %d legs have no road path: drawn straight", straight, len(points) - 1)
    return tuple(path)
