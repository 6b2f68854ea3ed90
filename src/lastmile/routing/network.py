"""The road network interface and the shapes it returns; units in every name."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from lastmile.errors import InvalidInput, LastmileError

LatLon = tuple[float, float]
"""A position in degrees, latitude first."""

UNREACHABLE = math.inf
"""What a matrix cell holds when no route exists between the pair, in both arrays."""

MatchKind = Literal["matched", "interpolated", "unmatched"]


class RoutingError(LastmileError):
    """The road network could not answer."""

    title = "Routing failed"
    slug = "routing-failed"


class NoRoute(RoutingError):
    """No path exists between the given points on this map."""

    status = 422
    title = "No route"
    slug = "no-route"


class CannotSnap(RoutingError):
    """A point is too far from any road the vehicle may use."""

    status = 422
    title = "Not near a road"
    slug = "cannot-snap"


def check_points(points: Sequence[LatLon], field: str = "points") -> None:
    """Refuse a position outside the globe, naming it: `points[2].lat`."""
    for index, (lat, lon) in enumerate(points):
        if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
            raise InvalidInput(f"{field}[{index}].lat", f"{lat} must be within -90..90")
        if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
            raise InvalidInput(f"{field}[{index}].lon", f"{lon} must be within -180..180")


@dataclass(frozen=True, slots=True)
class Route:
    """A path through the given points in order."""

    duration_s: float
    distance_m: float
    geometry: tuple[LatLon, ...]
    polyline6: str


@dataclass(frozen=True, slots=True)
class UnreachablePair:
    """A matrix cell with no route, and why (the engine's words)."""

    source: int
    target: int
    reason: str


@dataclass(frozen=True, eq=False)
class Matrix:
    """Travel time and distance from every source to every target.

    Both arrays have shape (len(sources), len(targets)). A cell is never missing:
    it holds a number, or `UNREACHABLE` (infinity) with the pair listed in
    `unreachable`. `filled_by_route` counts cells the engine's matrix left empty
    that were then computed with a route call.
    """

    duration_s: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    unreachable: tuple[UnreachablePair, ...] = ()
    filled_by_route: int = 0

    def reason(self, source: int, target: int) -> str | None:
        """Why the pair cannot be travelled, or None when it can."""
        for pair in self.unreachable:
            if pair.source == source and pair.target == target:
                return pair.reason
        return None


@dataclass(frozen=True, slots=True)
class Snap:
    """The nearest point on a road the vehicle may use."""

    lat: float
    lon: float
    distance_m: float
    way_id: int | None = None
    names: tuple[str, ...] = ()


class TracePoint(Protocol):
    """What map matching reads from a GPS sample; `lastmile.types.Fix` fits."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...

    @property
    def at(self) -> datetime | None: ...

    @property
    def accuracy_m(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class TracePosition:
    """A plain `TracePoint`, for traces that are not `Fix` objects."""

    lat: float
    lon: float
    at: datetime | None = None
    accuracy_m: float | None = None


@dataclass(frozen=True, slots=True)
class MatchedEdge:
    """One road segment of a matched path; shape indexes point into the match geometry."""

    way_id: int | None
    length_m: float
    speed_mps: float | None
    names: tuple[str, ...]
    begin_shape_index: int
    end_shape_index: int


@dataclass(frozen=True, slots=True)
class MatchedPoint:
    """Where one trace point landed; `edge_index` points into `MapMatch.edges`."""

    lat: float
    lon: float
    kind: MatchKind
    edge_index: int | None
    distance_from_trace_m: float | None


@dataclass(frozen=True, slots=True)
class MapMatch:
    """A GPS trace laid onto the roads: the path, its edges, and one entry per trace point."""

    geometry: tuple[LatLon, ...]
    polyline6: str
    edges: tuple[MatchedEdge, ...]
    points: tuple[MatchedPoint, ...]
    distance_m: float


class RoadNetwork(Protocol):
    """Travel times, distances and paths on roads, for one vehicle profile (`costing`)."""

    @property
    def costing(self) -> str: ...

    def route(self, points: Sequence[LatLon]) -> Route:
        """The path through at least two points in order; raises `NoRoute` or `CannotSnap`."""
        ...

    def matrix(self, sources: Sequence[LatLon], targets: Sequence[LatLon]) -> Matrix:
        """Every source to every target; unreachable pairs are marked, never left empty."""
        ...

    def map_match(self, trace: Sequence[TracePoint]) -> MapMatch:
        """Lay a GPS trace (two points or more, in time order) onto the roads."""
        ...

    def snap(self, point: LatLon) -> Snap:
        """The nearest road point the vehicle may use; raises `CannotSnap`."""
        ...


@dataclass(frozen=True, slots=True)
class ComponentVerdict:
    """Whether a point can be driven to and back from the reference point."""

    ok: bool
    reason: str | None = None


def largest_component_check(
    network: RoadNetwork, points: Sequence[LatLon], *, reference: LatLon
) -> list[ComponentVerdict]:
    """Check each point can be reached from `reference` and can reach it back.

    On a map clipped from a larger one (the default Helsinki extract) some streets
    lead out of the map and never back: a stop there can be reached but not left,
    or the other way round. Pass the hub, or a point known to be in the heart of
    the map, as `reference`; a point that fails is on another strongly connected
    component than the reference and should be refused with the verdict's reason.
    Costs two matrix calls (1 x N and N x 1).
    """
    if not points:
        return []
    outbound = network.matrix([reference], points)
    inbound = network.matrix(points, [reference])
    verdicts: list[ComponentVerdict] = []
    for index in range(len(points)):
        problems = []
        if math.isinf(outbound.duration_s[0, index]):
            problems.append(f"cannot be reached from {reference}: {outbound.reason(0, index)}")
        if math.isinf(inbound.duration_s[index, 0]):
            problems.append(f"cannot reach {reference}: {inbound.reason(index, 0)}")
        verdicts.append(ComponentVerdict(ok=not problems, reason="; ".join(problems) or None))
    return verdicts
