"""The road ahead: the part of a route's geometry from the driver to one stop, nothing more."""

from collections.abc import Sequence

from lastmile.geo import haversine_m
from lastmile.routing.polyline import LatLon


def _nearest(line: Sequence[LatLon], point: LatLon, start: int, stop: int) -> int:
    best, best_m = start, float("inf")
    for index in range(start, stop):
        metres = haversine_m(line[index][0], line[index][1], point[0], point[1])
        if metres < best_m:
            best, best_m = index, metres
    return best


def waypoint_indices(line: Sequence[LatLon], waypoints: Sequence[LatLon]) -> list[int]:
    """Where the line passes each waypoint, in order (each search starts at the previous one).

    Examples
    --------
    >>> waypoint_indices([(0, 0), (0, 1), (0, 2), (0, 1), (0, 0)], [(0, 0), (0, 2), (0, 0)])
    [0, 2, 4]
    """
    indices: list[int] = []
    start = 0
    for index, waypoint in enumerate(waypoints):
        remaining = len(waypoints) - index - 1
        found = _nearest(line, waypoint, start, max(start + 1, len(line) - remaining))
        indices.append(found)
        start = found
    return indices


def road_ahead(
    *,
    line: Sequence[LatLon],
    waypoints: Sequence[LatLon],
    leg_start: int,
    destination: int,
    driver: LatLon,
) -> list[LatLon]:
    """Driver → road → `waypoints[destination]`, cut from the legs `leg_start..destination`.

    `line` is the whole route's geometry through `waypoints` (hub, stops, hub); only the part
    between the waypoint the driver left last and the destination is searched, so the result
    never reaches past the destination nor back before the driver. Without a geometry the
    road ahead is the straight segment.

    Examples
    --------
    >>> line = [(0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (0.0, 3.0), (0.0, 4.0)]
    >>> road_ahead(line=line, waypoints=[(0, 0), (0, 2), (0, 4)], leg_start=0,
    ...            destination=1, driver=(0.1, 0.9))
    [(0.1, 0.9), (0.0, 2.0)]
    >>> road_ahead(line=[], waypoints=[(0, 0), (0, 2)], leg_start=0, destination=1,
    ...            driver=(0.5, 0.5))
    [(0.5, 0.5), (0, 2)]
    """
    target = waypoints[destination]
    if len(line) < 2 or len(waypoints) < 2:
        return [driver, target]
    indices = waypoint_indices(line, waypoints)
    low, high = indices[leg_start], indices[destination]
    if high <= low:
        return [driver, target]
    cut = _nearest(line, driver, low, high + 1)
    return [driver, *line[cut + 1 : high + 1]]
