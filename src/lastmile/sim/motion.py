"""Where a vehicle truly is at any moment: a pure, deterministic kinematic model.

A day is a list of steps, `Drive` (along a road path) and `Dwell` (standing still). A drive is
resampled every few metres; each sample gets a speed cap (the cruise speed, lower in sharp
turns and in a scripted jam), then a forward pass limits acceleration from rest and a backward
pass limits braking into the next stop. Time between samples follows from the speeds, so the
same steps always give the same trajectory. Times are seconds since the Unix epoch (UTC).
"""

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from lastmile.geo import EARTH_RADIUS_M

LatLon = tuple[float, float]
DwellKind = Literal["hub", "wait", "service", "halt"]

SAMPLE_SPACING_M = 10.0


@dataclass(frozen=True, slots=True)
class Kinematics:
    """How a delivery van moves: accelerations in m/s², speeds in m/s."""

    accel_mps2: float = 1.2
    brake_mps2: float = 2.0
    min_turn_mps: float = 2.5


@dataclass(frozen=True, slots=True)
class Jam:
    """A stretch of a drive (metres from its start) where traffic crawls at `speed_mps`."""

    from_m: float
    to_m: float
    speed_mps: float


@dataclass(frozen=True, slots=True)
class Drive:
    """Drive `path` from rest to rest at up to `cruise_mps`.

    `road_factors`, one per segment of the path, scale the cruise speed by road (a trunk road
    above 1, a residential street below); without them every road is driven alike.
    """

    path: tuple[LatLon, ...]
    cruise_mps: float
    label: str = ""
    jam: Jam | None = None
    road_factors: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Dwell:
    """Stand still for `duration_s` where the previous drive ended (or at `at`)."""

    duration_s: float
    kind: DwellKind
    label: str = ""
    at: LatLon | None = None


Step = Drive | Dwell


@dataclass(frozen=True, slots=True)
class State:
    """The truth at one moment."""

    lat: float
    lon: float
    speed_mps: float
    heading_deg: float
    moving: bool
    activity: str


@dataclass(frozen=True, slots=True)
class Span:
    """One step as it played out: when it began and ended."""

    kind: Literal["drive", "hub", "wait", "service", "halt"]
    label: str
    start_s: float
    end_s: float
    lat: float
    lon: float


@dataclass(frozen=True, eq=False)
class _DrivePiece:
    times: list[float]
    lats: list[float]
    lons: list[float]
    speeds: list[float]
    headings: list[float]
    label: str


@dataclass(frozen=True, eq=False)
class _DwellPiece:
    start_s: float
    end_s: float
    lat: float
    lon: float
    heading_deg: float
    kind: DwellKind


@dataclass(eq=False)
class Trajectory:
    """A vehicle's whole day: `state(t)` anywhere between `start_s` and `end_s`."""

    start_s: float
    end_s: float
    spans: list[Span] = field(default_factory=list)
    _starts: list[float] = field(default_factory=list)
    _pieces: list[_DrivePiece | _DwellPiece] = field(default_factory=list)

    def state(self, t: float) -> State:
        """The vehicle at time `t` (clamped to the day: parked before and after)."""
        index = max(0, bisect.bisect_right(self._starts, t) - 1)
        piece = self._pieces[index]
        if isinstance(piece, _DwellPiece):
            return State(piece.lat, piece.lon, 0.0, piece.heading_deg, False, piece.kind)
        times = piece.times
        if t >= times[-1]:
            return State(piece.lats[-1], piece.lons[-1], 0.0, piece.headings[-1], False, "drive")
        k = max(0, bisect.bisect_right(times, t) - 1)
        span = times[k + 1] - times[k]
        f = (t - times[k]) / span if span > 0 else 0.0
        lat = piece.lats[k] + f * (piece.lats[k + 1] - piece.lats[k])
        lon = piece.lons[k] + f * (piece.lons[k + 1] - piece.lons[k])
        speed = piece.speeds[k] + f * (piece.speeds[k + 1] - piece.speeds[k])
        return State(lat, lon, speed, piece.headings[k], speed > 0.3, "drive")

    def path_between(self, start_s: float, end_s: float, step_s: float = 1.0) -> list[LatLon]:
        """True positions every `step_s` between two times: for checks and ground truth."""
        count = max(1, math.ceil((end_s - start_s) / step_s))
        return [
            (s.lat, s.lon)
            for s in (self.state(start_s + i * (end_s - start_s) / count) for i in range(count + 1))
        ]


class TrajectoryBuilder:
    """Add steps one by one; `trajectory` is always the day so far."""

    def __init__(
        self, *, start_s: float, start_at: LatLon, kinematics: Kinematics = Kinematics()
    ) -> None:
        self.trajectory = Trajectory(start_s=start_s, end_s=start_s)
        self.kinematics = kinematics
        self._here = start_at
        self._heading = 0.0
        self.add(Dwell(0.0, "hub", "start"))

    def add(self, step: Step) -> Span:
        """Play one step from where and when the previous one ended."""
        t = self.trajectory.end_s
        piece: _DrivePiece | _DwellPiece
        if isinstance(step, Dwell):
            where = step.at or self._here
            piece = _DwellPiece(
                t, t + step.duration_s, where[0], where[1], self._heading, step.kind
            )
            span = Span(step.kind, step.label, t, t + step.duration_s, where[0], where[1])
            self._here = where
        else:
            piece = _drive_piece(step, t, self.kinematics)
            span = Span("drive", step.label, t, piece.times[-1], piece.lats[-1], piece.lons[-1])
            self._here = (piece.lats[-1], piece.lons[-1])
            self._heading = piece.headings[-1]
        self.trajectory._starts.append(span.start_s)
        self.trajectory._pieces.append(piece)
        self.trajectory.spans.append(span)
        self.trajectory.end_s = span.end_s
        return span


def build_trajectory(
    steps: Sequence[Step],
    *,
    start_s: float,
    start_at: LatLon,
    kinematics: Kinematics = Kinematics(),
) -> Trajectory:
    """Play the steps in order from `start_s`, starting parked at `start_at`."""
    builder = TrajectoryBuilder(start_s=start_s, start_at=start_at, kinematics=kinematics)
    for step in steps:
        builder.add(step)
    return builder.trajectory


def drive_duration_s(drive: Drive, kinematics: Kinematics = Kinematics()) -> float:
    """How long the drive takes from rest to rest."""
    return _drive_piece(drive, 0.0, kinematics).times[-1]


def path_length_m(path: Sequence[LatLon]) -> float:
    """Length of a path in metres (local flat-earth, fine within a city)."""
    east, north = _project(path)
    return float(np.hypot(np.diff(east), np.diff(north)).sum())


def point_along(path: Sequence[LatLon], distance_m: float) -> LatLon:
    """The point `distance_m` along the path from its start (clamped to its ends)."""
    east, north = _project(path)
    cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(east), np.diff(north)))])
    lats = np.array([p[0] for p in path])
    lons = np.array([p[1] for p in path])
    d = min(max(distance_m, 0.0), float(cumulative[-1]))
    return float(np.interp(d, cumulative, lats)), float(np.interp(d, cumulative, lons))


def split_path(path: Sequence[LatLon], distance_m: float) -> tuple[list[LatLon], list[LatLon]]:
    """The path cut at `distance_m` from its start; the cut point ends one and starts the other."""
    east, north = _project(path)
    cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(east), np.diff(north)))])
    cut = point_along(path, distance_m)
    k = int(np.searchsorted(cumulative, distance_m, side="right"))
    k = min(max(k, 1), len(path) - 1)
    return [*path[:k], cut], [cut, *path[k:]]


def split_at_stops(geometry: Sequence[LatLon], stops: Sequence[LatLon]) -> list[list[LatLon]]:
    """Cut a route's geometry (hub → stops → hub) into one path per leg.

    Each stop is placed at the first remaining vertex within 10 m of the closest remaining
    vertex to it, so a path that passes near a later stop does not end a leg early.
    """
    east, north = _project(geometry)
    legs: list[list[LatLon]] = []
    begin = 0
    for stop in stops:
        se, sn = _project_point(stop, geometry[0])
        distance = np.hypot(east[begin:] - se, north[begin:] - sn)
        threshold = float(distance.min()) + 10.0
        at = begin + int(np.argmax(distance <= threshold))
        legs.append(list(geometry[begin : at + 1]) if at > begin else [geometry[begin], stop])
        begin = at
    legs.append(list(geometry[begin:]) if len(geometry) - begin > 1 else [geometry[begin]] * 2)
    return legs


def _project(path: Sequence[LatLon]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    points = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    origin_lat = points[0, 0]
    north = np.radians(points[:, 0] - origin_lat) * EARTH_RADIUS_M
    east = (
        np.radians(points[:, 1] - points[0, 1])
        * EARTH_RADIUS_M
        * math.cos(math.radians(origin_lat))
    )
    return east, north


def _project_point(point: LatLon, origin: LatLon) -> tuple[float, float]:
    north = math.radians(point[0] - origin[0]) * EARTH_RADIUS_M
    east = math.radians(point[1] - origin[1]) * EARTH_RADIUS_M * math.cos(math.radians(origin[0]))
    return east, north


def _drive_piece(drive: Drive, start_s: float, kinematics: Kinematics) -> _DrivePiece:
    lats_in = np.array([p[0] for p in drive.path], dtype=np.float64)
    lons_in = np.array([p[1] for p in drive.path], dtype=np.float64)
    east, north = _project(drive.path)
    segment = np.hypot(np.diff(east), np.diff(north))
    cumulative = np.concatenate([[0.0], np.cumsum(segment)])
    total = float(cumulative[-1])
    if total <= 0.0:
        return _DrivePiece(
            [start_s, start_s],
            [lats_in[0]] * 2,
            [lons_in[0]] * 2,
            [0.0, 0.0],
            [0.0, 0.0],
            drive.label,
        )
    count = max(3, math.ceil(total / SAMPLE_SPACING_M) + 1)
    samples = np.unique(np.concatenate([np.linspace(0.0, total, count), cumulative]))
    seg_index = np.clip(np.searchsorted(cumulative, samples, side="right") - 1, 0, len(segment) - 1)
    if drive.road_factors is not None and len(drive.road_factors) == len(segment):
        cap = drive.cruise_mps * np.asarray(drive.road_factors, dtype=np.float64)[seg_index]
    else:
        cap = np.full(samples.shape, drive.cruise_mps)
    cap = np.minimum(
        cap, _turn_caps(samples, cumulative, east, north, drive.cruise_mps, kinematics)
    )
    if drive.jam is not None:
        inside = (samples >= drive.jam.from_m) & (samples <= drive.jam.to_m)
        cap[inside] = np.minimum(cap[inside], drive.jam.speed_mps)
    speed = _speed_profile(samples, cap, kinematics)
    dx = np.diff(samples)
    pair = speed[:-1] + speed[1:]
    from_rest = np.sqrt(2.0 * dx / kinematics.accel_mps2)
    dt = np.where(pair > 1e-3, 2.0 * dx / np.maximum(pair, 1e-3), from_rest)
    times = start_s + np.concatenate([[0.0], np.cumsum(dt)])
    lats = np.interp(samples, cumulative, lats_in)
    lons = np.interp(samples, cumulative, lons_in)
    seg_heading = (np.degrees(np.arctan2(np.diff(east), np.diff(north))) + 360.0) % 360.0
    headings = seg_heading[seg_index]
    return _DrivePiece(
        times.tolist(), lats.tolist(), lons.tolist(), speed.tolist(), headings.tolist(), drive.label
    )


def _turn_caps(
    samples: NDArray[np.float64],
    cumulative: NDArray[np.float64],
    east: NDArray[np.float64],
    north: NDArray[np.float64],
    cruise_mps: float,
    kinematics: Kinematics,
) -> NDArray[np.float64]:
    """Slow down at vertices where the road turns: half speed at a right angle."""
    cap = np.full(samples.shape, cruise_mps)
    if len(east) < 3:
        return cap
    de, dn = np.diff(east), np.diff(north)
    angle_in = np.arctan2(de[:-1], dn[:-1])
    angle_out = np.arctan2(de[1:], dn[1:])
    turn = np.abs((angle_out - angle_in + np.pi) % (2 * np.pi) - np.pi)
    vertex_cap = np.maximum(kinematics.min_turn_mps, cruise_mps * np.cos(turn / 2.0) ** 2)
    where = np.searchsorted(samples, cumulative[1:-1])
    where = np.clip(where, 0, len(samples) - 1)
    np.minimum.at(cap, where, vertex_cap)
    return cap


def _speed_profile(
    samples: NDArray[np.float64], cap: NDArray[np.float64], kinematics: Kinematics
) -> NDArray[np.float64]:
    # Plain floats: these two passes are the hot loop of building a day.
    speed: list[float] = cap.tolist()
    dx: list[float] = np.diff(samples).tolist()
    speed[0] = speed[-1] = 0.0
    accel2, brake2 = 2.0 * kinematics.accel_mps2, 2.0 * kinematics.brake_mps2
    sqrt = math.sqrt
    for k in range(1, len(speed)):
        reachable = sqrt(speed[k - 1] * speed[k - 1] + accel2 * dx[k - 1])
        if reachable < speed[k]:
            speed[k] = reachable
    for k in range(len(speed) - 2, -1, -1):
        stoppable = sqrt(speed[k + 1] * speed[k + 1] + brake2 * dx[k])
        if stoppable < speed[k]:
            speed[k] = stoppable
    return np.array(speed)
