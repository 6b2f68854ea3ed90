"""Valhalla's JSON answers and requests, as pure functions tested without the engine."""

import logging
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from lastmile.geo import haversine_m
from lastmile.routing import polyline
from lastmile.routing.network import (
    UNREACHABLE,
    CannotSnap,
    LatLon,
    MapMatch,
    MatchedEdge,
    MatchedPoint,
    MatchKind,
    Matrix,
    NoRoute,
    Route,
    RoutingError,
    Snap,
    TracePoint,
    UnreachablePair,
)

logger = logging.getLogger(__name__)

DEFAULT_GPS_ACCURACY_M: Final = 5.0

# Valhalla error codes (src/exceptions.cc) that mean "no path" or "no road here",
# as opposed to a limit exceeded or a fault of ours. Match codes, never messages.
_NO_ROUTE_CODES: Final = frozenset({170, 172, 441, 442, 443, 444})
_CANNOT_SNAP_CODES: Final = frozenset({171})
_METRES_PER_UNIT: Final = {"kilometers": 1000.0, "miles": 1609.344}
_MATCH_KINDS: Final[dict[object, MatchKind]] = {
    "matched": "matched",
    "interpolated": "interpolated",
    "unmatched": "unmatched",
}
_TRACE_ATTRIBUTES: Final = (
    *("shape", "matched.point", "matched.type", "matched.edge_index"),
    *("matched.distance_from_trace_point", "edge.way_id", "edge.length", "edge.speed"),
    *("edge.names", "edge.begin_shape_index", "edge.end_shape_index"),
)

PairRoute = Callable[[int, int], tuple[float, float]]
"""Route one (source, target) pair: (duration_s, distance_m), or raise `NoRoute`/`CannotSnap`."""


def routing_error(error: Exception, what: str) -> RoutingError:
    """Our exception for a `valhalla.ValhallaError` raised while doing `what`."""
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or str(error)
    detail = f"{what}: {message} (valhalla error {code})"
    if code in _NO_ROUTE_CODES:
        return NoRoute(detail)
    if code in _CANNOT_SNAP_CODES:
        return CannotSnap(detail)
    return RoutingError(detail)


def route_from_response(raw: Mapping[str, Any]) -> Route:
    """Read a `route` answer requested with `shape_format: polyline6`."""
    trip = raw["trip"]
    factor = _METRES_PER_UNIT[trip.get("units", "kilometers")]
    geometry: list[LatLon] = []
    for leg in trip["legs"]:
        shape = polyline.decode(leg["shape"], precision=6)
        geometry.extend(shape[1:] if geometry and shape and shape[0] == geometry[-1] else shape)
    return Route(
        duration_s=float(trip["summary"]["time"]),
        distance_m=float(trip["summary"]["length"]) * factor,
        geometry=tuple(geometry),
        polyline6=polyline.encode(geometry, precision=6),
    )


def matrix_from_response(
    raw: Mapping[str, Any] | None, *, n_sources: int, n_targets: int, route_pair: PairRoute
) -> Matrix:
    """Read a `sources_to_targets` answer, filling every empty cell with `route_pair`.

    `raw` is None when the engine refused the whole matrix as having no path at all;
    then every cell is routed. Both the concise (`verbose: false`) and the verbose
    answer are read. A cell whose route also fails holds `UNREACHABLE`.
    """
    duration_s = np.full((n_sources, n_targets), np.nan)
    distance_m = np.full((n_sources, n_targets), np.nan)
    if raw is not None:
        _read_cells(raw, duration_s, distance_m)
    unreachable: list[UnreachablePair] = []
    filled = 0
    for i, j in zip(*np.nonzero(np.isnan(duration_s) | np.isnan(distance_m)), strict=True):
        try:
            duration_s[i, j], distance_m[i, j] = route_pair(int(i), int(j))
            filled += 1
        except (NoRoute, CannotSnap) as error:
            duration_s[i, j] = distance_m[i, j] = UNREACHABLE
            unreachable.append(UnreachablePair(int(i), int(j), error.detail))
    if filled or unreachable:
        counts = (n_sources, n_targets, filled, len(unreachable))
        logger.info("valhalla matrix %dx%d: %d empty cells routed, %d unreachable", *counts)
    return Matrix(duration_s, distance_m, tuple(unreachable), filled)


def _read_cells(
    raw: Mapping[str, Any], duration_s: NDArray[np.float64], distance_m: NDArray[np.float64]
) -> None:
    factor = _METRES_PER_UNIT[raw.get("units", "kilometers")]
    cells = raw["sources_to_targets"]
    if isinstance(cells, Mapping):
        rows = zip(cells["durations"], cells["distances"], strict=True)
        for i, (times, lengths) in enumerate(rows):
            for j, (time, length) in enumerate(zip(times, lengths, strict=True)):
                if time is not None and length is not None:
                    duration_s[i, j], distance_m[i, j] = time, length * factor
        return
    for row in cells:
        for cell in row:
            if cell.get("time") is not None and cell.get("distance") is not None:
                i, j = cell["from_index"], cell["to_index"]
                duration_s[i, j], distance_m[i, j] = cell["time"], cell["distance"] * factor


def snap_from_response(raw: Sequence[Mapping[str, Any]], point: LatLon) -> Snap | None:
    """Read a verbose `locate` answer for one point: the nearest edge, or None."""
    candidates = []
    for edge in raw[0].get("edges") or []:
        lat, lon = edge["correlated_lat"], edge["correlated_lon"]
        info = edge.get("edge_info", {})
        candidates.append(
            Snap(
                lat=lat,
                lon=lon,
                distance_m=haversine_m(point[0], point[1], lat, lon),
                way_id=info.get("way_id", edge.get("way_id")),
                names=tuple(info.get("names", ())),
            )
        )
    return min(candidates, key=lambda snap: snap.distance_m, default=None)


def map_match_from_response(raw: Mapping[str, Any]) -> MapMatch:
    """Read a `trace_attributes` answer made with `map_snap`."""
    factor = _METRES_PER_UNIT[raw.get("units", "kilometers")]
    geometry = polyline.decode(raw.get("shape", ""), precision=6)
    edges = tuple(
        MatchedEdge(
            way_id=edge.get("way_id"),
            length_m=float(edge.get("length", 0.0)) * factor,
            speed_mps=float(edge["speed"]) * factor / 3600.0 if "speed" in edge else None,
            names=tuple(edge.get("names", ())),
            begin_shape_index=int(edge.get("begin_shape_index", 0)),
            end_shape_index=int(edge.get("end_shape_index", 0)),
        )
        for edge in raw.get("edges", ())
    )
    points = tuple(
        MatchedPoint(
            lat=float(point["lat"]),
            lon=float(point["lon"]),
            kind=_MATCH_KINDS.get(point.get("type"), "unmatched"),
            edge_index=point.get("edge_index") if point.get("type") != "unmatched" else None,
            distance_from_trace_m=point.get("distance_from_trace_point"),
        )
        for point in raw.get("matched_points", ())
    )
    return MapMatch(
        geometry=tuple(geometry),
        polyline6=polyline.encode(geometry, precision=6),
        edges=edges,
        points=points,
        distance_m=sum(edge.length_m for edge in edges),
    )


def trace_request(trace: Sequence[TracePoint], *, costing: str) -> dict[str, Any]:
    """The `trace_attributes` request for a trace; GPS accuracy is the trace's median."""
    timed = all(point.at is not None for point in trace)
    shape = []
    for point in trace:
        item: dict[str, Any] = {"lat": point.lat, "lon": point.lon}
        if timed and point.at is not None:
            item["time"] = point.at.timestamp()
        shape.append(item)
    accuracies = [p.accuracy_m for p in trace if p.accuracy_m is not None and p.accuracy_m > 0]
    gps_accuracy_m = min(
        100.0, statistics.median(accuracies) if accuracies else DEFAULT_GPS_ACCURACY_M
    )
    return {
        "shape": shape,
        "costing": costing,
        "shape_match": "map_snap",
        "units": "kilometers",
        "trace_options": {
            "gps_accuracy": gps_accuracy_m,
            "search_radius": min(100.0, max(50.0, 3 * gps_accuracy_m)),
        },
        "filters": {"action": "include", "attributes": list(_TRACE_ATTRIBUTES)},
    }
