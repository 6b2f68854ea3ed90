"""`RoadNetwork` on Valhalla through its Python bindings (pyvalhalla), one Actor per thread.

Pure functions in `valhalla_json` turn Valhalla's JSON into our shapes; only
`ValhallaNetwork` and `_ActorPool` here talk to the engine.
"""

import copy
import json
import logging
import tempfile
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import valhalla

from lastmile.errors import InvalidInput
from lastmile.routing.network import (
    UNREACHABLE,
    CannotSnap,
    LatLon,
    MapMatch,
    Matrix,
    NoRoute,
    Route,
    RoutingError,
    Snap,
    TracePoint,
    UnreachablePair,
    check_points,
)
from lastmile.routing.valhalla_json import (
    map_match_from_response,
    matrix_from_response,
    route_from_response,
    routing_error,
    snap_from_response,
    trace_request,
)

logger = logging.getLogger(__name__)

COSTINGS: Final = frozenset(
    {"auto", "truck", "taxi", "bus", "motor_scooter", "motorcycle", "bicycle", "pedestrian"}
)
DEFAULT_MAX_SNAP_M: Final = 1000.0
MAX_MATRIX_PAIRS: Final = 1_000_000
MAX_ROUTE_LOCATIONS: Final = 1000


def engine_config(tile_extract: Path, *, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict[str, Any]:
    """Valhalla's configuration for serving one tile extract."""
    config: dict[str, Any] = valhalla.get_config(tile_extract=tile_extract, tile_dir="")
    # A second costmatrix pass fills the cells the first one leaves empty for reachable
    # pairs (valhalla issue 4956): on 100x100 Monaco points, 378 empty cells became 0.
    config["thor"]["costmatrix"]["allow_second_pass"] = True
    config["loki"]["service_defaults"]["search_cutoff"] = max_snap_m
    for costing in COSTINGS:
        limits = config["service_limits"][costing]
        limits["max_matrix_location_pairs"] = MAX_MATRIX_PAIRS
        limits["max_locations"] = MAX_ROUTE_LOCATIONS
    return config


class _ActorPool:
    """Valhalla Actors built lazily, one per thread, over one memory-mapped tile extract.

    An Actor is not thread-safe (pyvalhalla issue 32, valhalla issue 4352); one per
    thread costs a few milliseconds to build and shares the tiles through the mmap.
    """

    def __init__(self, tile_extract: Path, *, max_snap_m: float) -> None:
        self.tile_extract = tile_extract
        self.max_snap_m = max_snap_m
        self._local = threading.local()
        self._lock = threading.Lock()
        self._config_path: Path | None = None

    def actor(self) -> Any:
        """This thread's Actor, built on first use."""
        actor = getattr(self._local, "actor", None)
        if actor is None:
            actor = valhalla.Actor(self._config())
            self._local.actor = actor
        return actor

    def _config(self) -> Path:
        # pyvalhalla writes a dict config to a temp file per Actor and never deletes it;
        # one file per pool, removed with the pool, avoids that leak.
        with self._lock:
            if self._config_path is None:
                if not self.tile_extract.is_file():
                    raise RoutingError(f"tile extract {self.tile_extract} does not exist")
                config = engine_config(self.tile_extract, max_snap_m=self.max_snap_m)
                with tempfile.NamedTemporaryFile(
                    "w", prefix="lastmile-valhalla-", suffix=".json", delete=False
                ) as handle:
                    json.dump(config, handle)
                self._config_path = Path(handle.name)
                weakref.finalize(self, self._config_path.unlink, missing_ok=True)
            return self._config_path


class ValhallaNetwork:
    """Roads from a Valhalla tile extract (`tiles.tar`), for one costing."""

    def __init__(
        self,
        tile_extract: Path,
        *,
        costing: str = "auto",
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
    ) -> None:
        self._costing = _checked_costing(costing)
        self._pool = _ActorPool(tile_extract, max_snap_m=max_snap_m)

    @property
    def costing(self) -> str:
        return self._costing

    @property
    def tile_extract(self) -> Path:
        return self._pool.tile_extract

    def with_costing(self, costing: str) -> "ValhallaNetwork":
        """The same map for another vehicle profile, sharing the loaded Actors."""
        twin = copy.copy(self)
        twin._costing = _checked_costing(costing)
        return twin

    def route(self, points: Sequence[LatLon]) -> Route:
        if len(points) < 2:
            raise InvalidInput("points", f"a route needs at least 2 points, got {len(points)}")
        request = {
            "locations": _locations(points, "points"),
            "costing": self._costing,
            "units": "kilometers",
            "directions_type": "none",
            "shape_format": "polyline6",
        }
        raw = self._call("route", request, f"route through {_describe(points)}")
        return route_from_response(raw)

    def matrix(self, sources: Sequence[LatLon], targets: Sequence[LatLon]) -> Matrix:
        if not sources or not targets:
            shape = (len(sources), len(targets))
            return Matrix(np.zeros(shape), np.zeros(shape))
        request = {
            "sources": _locations(sources, "sources"),
            "targets": _locations(targets, "targets"),
            "costing": self._costing,
            "units": "kilometers",
            "verbose": False,
        }
        what = f"matrix {len(sources)}x{len(targets)}"
        try:
            raw = self._pool.actor().matrix(request)
        except valhalla.ValhallaError as error:
            failure = routing_error(error, what)
            if not isinstance(failure, NoRoute):
                return self._matrix_without_unsnappable(sources, targets, failure)
            raw = None
        return matrix_from_response(
            raw,
            n_sources=len(sources),
            n_targets=len(targets),
            route_pair=lambda i, j: self._pair(sources[i], targets[j]),
        )

    def snap(self, point: LatLon) -> Snap:
        request = {
            "locations": _locations([point], "point"),
            "costing": self._costing,
            "verbose": True,
        }
        raw = self._call("locate", request, f"snap {point}")
        snap = snap_from_response(raw, point)
        if snap is None:
            raise CannotSnap(
                f"{point}: no road for {self._costing} within {self._pool.max_snap_m:.0f} m"
            )
        return snap

    def map_match(self, trace: Sequence[TracePoint]) -> MapMatch:
        if len(trace) < 2:
            raise InvalidInput("trace", f"map matching needs at least 2 points, got {len(trace)}")
        request = trace_request(trace, costing=self._costing)
        raw = self._call("trace_attributes", request, f"map match {len(trace)} points")
        return map_match_from_response(raw)

    def _pair(self, source: LatLon, target: LatLon) -> tuple[float, float]:
        route = self.route([source, target])
        return route.duration_s, route.distance_m

    def _call(self, action: str, request: Mapping[str, Any], what: str) -> Any:
        try:
            return getattr(self._pool.actor(), action)(dict(request))
        except valhalla.ValhallaError as error:
            raise routing_error(error, what) from error

    def _matrix_without_unsnappable(
        self, sources: Sequence[LatLon], targets: Sequence[LatLon], failure: RoutingError
    ) -> Matrix:
        """Mark the rows and columns of points off the road network, route the rest."""
        distinct = list(dict.fromkeys([*sources, *targets]))
        request = {"locations": _locations(distinct, "points"), "costing": self._costing}
        located = self._call("locate", request, f"locate {len(distinct)} points")
        off_road = {p for p, answer in zip(distinct, located, strict=True) if not answer["edges"]}
        if not off_road:
            raise failure
        keep_s = [i for i, p in enumerate(sources) if p not in off_road]
        keep_t = [j for j, p in enumerate(targets) if p not in off_road]
        inner = self.matrix([sources[i] for i in keep_s], [targets[j] for j in keep_t])
        duration_s = np.full((len(sources), len(targets)), UNREACHABLE)
        distance_m = np.full((len(sources), len(targets)), UNREACHABLE)
        duration_s[np.ix_(keep_s, keep_t)] = inner.duration_s
        distance_m[np.ix_(keep_s, keep_t)] = inner.distance_m
        unreachable = [
            UnreachablePair(keep_s[p.source], keep_t[p.target], p.reason) for p in inner.unreachable
        ]
        limit = f"no road for {self._costing} within {self._pool.max_snap_m:.0f} m"
        for i, source in enumerate(sources):
            for j, target in enumerate(targets):
                bad = [f"{p} {limit}" for p in (source, target) if p in off_road]
                if bad:
                    unreachable.append(UnreachablePair(i, j, "; ".join(bad)))
        return Matrix(duration_s, distance_m, tuple(unreachable), inner.filled_by_route)


def _checked_costing(costing: str) -> str:
    if costing not in COSTINGS:
        raise InvalidInput("costing", f"{costing!r} is not one of {sorted(COSTINGS)}")
    return costing


def _locations(points: Sequence[LatLon], field: str) -> list[dict[str, float]]:
    check_points(points, field)
    return [{"lat": lat, "lon": lon} for lat, lon in points]


def _describe(points: Sequence[LatLon]) -> str:
    if len(points) <= 3:
        return " -> ".join(str(p) for p in points)
    return f"{points[0]} -> ... ({len(points) - 2} more) -> {points[-1]}"
