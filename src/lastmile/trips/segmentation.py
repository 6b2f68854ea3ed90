"""Split a driver's GPS track into stops and moves, one fix at a time or a whole track at once.

Two stages. First each fix is called *stationary* or *moving* from the fixes within
`window_s` around it: stationary when nearly all of them lie within a radius of their
median position (a stay-point test that tolerates jitter and single outliers), or when
they stay within a wider radius and their median position before and after the fix
barely moves (jitter averages out, creeping in traffic does not); reported speeds, when
present, can only veto. Then runs of stationary fixes become stop candidates: moving
gaps up to `merge_gap_s` inside a candidate are merged, a candidate whose smoothed
position strays further than `max_extent_m` from where it began is cut, and only
candidates lasting `min_dwell_s` become stops.

Stop edges are conservative: a stop starts once the fixes around it have settled, so a
clean halt is reported some 10 s shorter at each end (about (1/2 - outlier_fraction) of
`window_s`). On real delivery tracks this matches when drivers are labelled as having
stopped better than wider edges do (bench/stops.py).

Segments tile the track in time: each move runs from the end of the previous stop (or
the first fix) to the start of the next stop (or the last fix). A stop's `lat`/`lon` is
its median position; a move's is where it ends (the next stop's centre, or its last
fix). A stop's `distance_m` is 0 (jitter while parked is not travel); a move's is the
path from the previous stop's centre through its fixes to the next stop's centre, so it
assumes fixes smoothed upstream (the ingest pipeline does).
"""

import math
import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from lastmile.errors import InvalidInput
from lastmile.geo import haversine_m
from lastmile.types import Fix

SegmentKind = Literal["stop", "move"]


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One position of a track; `at` is timezone-aware UTC."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None
    speed_mps: float | None = None

    @classmethod
    def from_fix(cls, fix: Fix) -> "TrackPoint":
        return cls(fix.at, fix.lat, fix.lon, fix.accuracy_m, fix.speed_mps)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stop (centre in `lat`/`lon`) or a move (its end point in `lat`/`lon`)."""

    kind: SegmentKind
    start: datetime
    end: datetime
    lat: float
    lon: float
    duration_s: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class SegmentationConfig:
    """Tuning of stop detection.

    The defaults come from tuning on real delivery tracks (bench/stops.py), kept tight
    enough that a 1-2 m/s crawl in traffic stays a move; `min_dwell_s` is the product's
    choice (those tracks favour 20 s, see the bench report).

    min_dwell_s: shortest stop reported.
    window_s: span of fixes looked at around each fix to call it stationary.
    radius_m: fixes of a stationary window lie within this distance of their median.
    accuracy_factor, max_radius_m: the radius grows to `accuracy_factor` times the
        window's median reported accuracy, up to `max_radius_m`.
    outlier_fraction: share of a window's fixes allowed outside the radius.
    moving_speed_mps: a window whose median reported speed is above this is moving.
    drift_speed_mps: a window within `max_radius_m` (a third of it may be outliers)
        whose median position moves slower than this is stationary; 0 turns it off.
    merge_gap_s: moving gaps up to this long inside a stop are merged into it.
    max_extent_m: a stop's smoothed position never strays further than this from
        where it began; beyond it the stop is cut.
    """

    min_dwell_s: float = 60.0
    window_s: float = 40.0
    radius_m: float = 20.0
    accuracy_factor: float = 2.0
    max_radius_m: float = 50.0
    outlier_fraction: float = 0.2
    moving_speed_mps: float = 2.0
    drift_speed_mps: float = 0.5
    merge_gap_s: float = 20.0
    max_extent_m: float = 50.0

    def __post_init__(self) -> None:
        for name in ("min_dwell_s", "window_s", "radius_m", "max_radius_m", "max_extent_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInput(name, f"is {value}: must be a positive number")
        for name in ("accuracy_factor", "moving_speed_mps", "drift_speed_mps", "merge_gap_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(name, f"is {value}: must be zero or positive")
        if not 0 <= self.outlier_fraction < 1:
            raise InvalidInput(
                "outlier_fraction", f"is {self.outlier_fraction}: must be within 0..1 (1 excluded)"
            )
        if self.max_radius_m < self.radius_m:
            raise InvalidInput(
                "max_radius_m", f"is {self.max_radius_m}: must be at least radius_m {self.radius_m}"
            )


@dataclass(frozen=True, slots=True)
class _Labelled:
    point: TrackPoint
    stationary: bool
    centre_lat: float
    centre_lon: float


def _median_position(points: Sequence[TrackPoint]) -> tuple[float, float]:
    """Coordinate-wise median: robust to outliers, and the same in degrees as in metres."""
    return statistics.median(p.lat for p in points), statistics.median(p.lon for p in points)


def _drift_speed_mps(window: list[TrackPoint], point: TrackPoint) -> float:
    """Speed between the median positions of the window before and after `point`.

    Parameters
    ----------
    window : fixes around `point`, in time order, `point` among them.
    point : the fix that splits the window in two (it belongs to both halves).

    Returns
    -------
    float
        Metres per second between the two medians; infinite when a half has fewer
        than two fixes.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2024, 5, 6, tzinfo=UTC)
    >>> crawl = [TrackPoint(t0 + timedelta(seconds=s), 0.0, s * 1.5e-5) for s in range(9)]
    >>> round(_drift_speed_mps(crawl, crawl[4]), 2)
    1.67
    """
    before = [p for p in window if p.at <= point.at]
    after = [p for p in window if p.at >= point.at]
    if len(before) < 2 or len(after) < 2:
        return math.inf
    span_s = statistics.median(p.at.timestamp() for p in after) - statistics.median(
        p.at.timestamp() for p in before
    )
    if span_s <= 0:
        return math.inf
    return haversine_m(*_median_position(before), *_median_position(after)) / span_s


def _median_accuracy_m(window: list[TrackPoint]) -> float | None:
    reported = [p.accuracy_m for p in window if p.accuracy_m is not None]
    return statistics.median(reported) if reported else None


def _classify(window: list[TrackPoint], point: TrackPoint, config: SegmentationConfig) -> _Labelled:
    centre_lat, centre_lon = _median_position(window)
    radius_m = config.radius_m
    accuracy_m = _median_accuracy_m(window)
    if accuracy_m is not None:
        radius_m = min(max(radius_m, config.accuracy_factor * accuracy_m), config.max_radius_m)
    distances_m = [haversine_m(centre_lat, centre_lon, p.lat, p.lon) for p in window]
    allowed = int(config.outlier_fraction * len(window))
    stationary = sum(d > radius_m for d in distances_m) <= allowed
    if not stationary and config.drift_speed_mps > 0:
        spread = sum(d > config.max_radius_m for d in distances_m) <= len(window) // 3
        stationary = spread and _drift_speed_mps(window, point) <= config.drift_speed_mps
    speeds = [p.speed_mps for p in window if p.speed_mps is not None]
    if speeds and statistics.median(speeds) > config.moving_speed_mps:
        stationary = False
    return _Labelled(point, stationary, centre_lat, centre_lon)


class _WindowClassifier:
    """Labels each fix once every fix within half a window after it has arrived."""

    def __init__(self, config: SegmentationConfig) -> None:
        self._config = config
        self._half_s = config.window_s / 2
        self._buffer: deque[TrackPoint] = deque()
        self._next = 0

    def push(self, point: TrackPoint) -> list[_Labelled]:
        self._buffer.append(point)
        out: list[_Labelled] = []
        while self._next < len(self._buffer) - 1 and (
            (point.at - self._buffer[self._next].at).total_seconds() > self._half_s
        ):
            out.append(self._label_next())
        self._trim()
        return out

    def flush(self) -> list[_Labelled]:
        out = [self._label_next() for _ in range(self._next, len(self._buffer))]
        self._buffer.clear()
        self._next = 0
        return out

    def _label_next(self) -> _Labelled:
        """Label the oldest unlabelled fix; its immediate neighbours are always in its window."""
        index, point = self._next, self._buffer[self._next]
        window = [
            p
            for i, p in enumerate(self._buffer)
            if abs(i - index) <= 1 or abs((p.at - point.at).total_seconds()) <= self._half_s
        ]
        self._next += 1
        return _classify(window, point, self._config)

    def _trim(self) -> None:
        if not self._next:
            return
        keep_from = self._buffer[self._next - 1].at
        while self._next > 1 and (keep_from - self._buffer[0].at).total_seconds() > self._half_s:
            self._buffer.popleft()
            self._next -= 1


@dataclass(slots=True)
class _Candidate:
    """A run of stationary fixes that may become a stop."""

    anchor_lat: float
    anchor_lon: float
    points: list[TrackPoint] = field(default_factory=list)
    confirmed: bool = False

    @property
    def duration_s(self) -> float:
        return (self.points[-1].at - self.points[0].at).total_seconds()

    def centre(self) -> tuple[float, float]:
        return _median_position(self.points)


@dataclass(slots=True)
class _OpenMove:
    """The move being built; it starts at a stop's end (its centre) or at the first fix."""

    start: datetime
    last_lat: float
    last_lon: float
    end: datetime
    distance_m: float = 0.0

    def add(self, point: TrackPoint) -> None:
        self.distance_m += haversine_m(self.last_lat, self.last_lon, point.lat, point.lon)
        self.last_lat, self.last_lon, self.end = point.lat, point.lon, point.at

    def close(self, *, end: datetime, lat: float, lon: float) -> Segment:
        distance_m = self.distance_m + haversine_m(self.last_lat, self.last_lon, lat, lon)
        duration_s = (end - self.start).total_seconds()
        return Segment("move", self.start, end, lat, lon, duration_s, distance_m)


class StopDetector:
    """Streaming segmentation: `push` fixes in time order, receive segments once closed.

    A move is emitted once the stop after it has lasted `min_dwell_s`; a stop once the
    driver has been moving for longer than `merge_gap_s` or has left it; both about
    `window_s / 2` later, the look-ahead each fix needs. Call `flush` at the end of the
    track to close what is still open; the detector can then be used again.
    """

    def __init__(self, config: SegmentationConfig | None = None) -> None:
        self._config = config or SegmentationConfig()
        self._classifier = _WindowClassifier(self._config)
        self._last_at: datetime | None = None
        self._move: _OpenMove | None = None
        self._candidate: _Candidate | None = None
        self._gap: list[TrackPoint] = []

    @property
    def config(self) -> SegmentationConfig:
        return self._config

    def push(self, point: TrackPoint) -> list[Segment]:
        if point.at.tzinfo is None:
            raise InvalidInput("at", f"is {point.at.isoformat()}: must be timezone-aware")
        if self._last_at is not None and point.at < self._last_at:
            raise InvalidInput(
                "at",
                f"is {point.at.isoformat()}, before the previous fix at "
                f"{self._last_at.isoformat()}: fixes must come in time order",
            )
        self._last_at = point.at
        out: list[Segment] = []
        for labelled in self._classifier.push(point):
            out.extend(self._step(labelled))
        return out

    def flush(self) -> list[Segment]:
        out: list[Segment] = []
        for labelled in self._classifier.flush():
            out.extend(self._step(labelled))
        if self._candidate is not None:
            out.extend(self._close_candidate(self._candidate))
        move = self._move
        if move is not None and move.end > move.start:
            out.append(move.close(end=move.end, lat=move.last_lat, lon=move.last_lon))
        self._move = None
        self._last_at = None
        return out

    def _step(self, labelled: _Labelled) -> list[Segment]:
        point, candidate = labelled.point, self._candidate
        if candidate is None:
            if labelled.stationary:
                self._candidate = _Candidate(labelled.centre_lat, labelled.centre_lon, [point])
            else:
                self._add_to_move(point)
            return []
        if not labelled.stationary:
            self._gap.append(point)
            if (point.at - candidate.points[-1].at).total_seconds() > self._config.merge_gap_s:
                return self._close_candidate(candidate)
            return []
        drift_m = haversine_m(
            candidate.anchor_lat, candidate.anchor_lon, labelled.centre_lat, labelled.centre_lon
        )
        if drift_m > self._config.max_extent_m:
            out = self._close_candidate(candidate)
            self._candidate = _Candidate(labelled.centre_lat, labelled.centre_lon, [point])
            return out
        candidate.points.extend(self._gap)
        candidate.points.append(point)
        self._gap = []
        if not candidate.confirmed and candidate.duration_s >= self._config.min_dwell_s:
            candidate.confirmed = True
            return self._close_move_before(candidate)
        return []

    def _add_to_move(self, point: TrackPoint) -> None:
        if self._move is None:
            self._move = _OpenMove(point.at, point.lat, point.lon, point.at)
        else:
            self._move.add(point)

    def _close_move_before(self, candidate: _Candidate) -> list[Segment]:
        move, self._move = self._move, None
        if move is None:
            return []
        lat, lon = candidate.centre()
        return [move.close(end=candidate.points[0].at, lat=lat, lon=lon)]

    def _close_candidate(self, candidate: _Candidate) -> list[Segment]:
        gap = self._gap
        self._candidate, self._gap = None, []
        if not candidate.confirmed:
            for point in (*candidate.points, *gap):
                self._add_to_move(point)
            return []
        lat, lon = candidate.centre()
        start, end = candidate.points[0].at, candidate.points[-1].at
        stop = Segment("stop", start, end, lat, lon, (end - start).total_seconds(), 0.0)
        self._move = _OpenMove(end, lat, lon, end)
        for point in gap:
            self._move.add(point)
        return [stop]


def segment_track(
    points: Iterable[TrackPoint], *, config: SegmentationConfig | None = None
) -> list[Segment]:
    """Segment a whole track (fixes in time order) into alternating moves and stops."""
    detector = StopDetector(config)
    segments: list[Segment] = []
    for point in points:
        segments.extend(detector.push(point))
    segments.extend(detector.flush())
    return segments


def label_points(points: Iterable[TrackPoint], segments: Iterable[Segment]) -> list[SegmentKind]:
    """Kind of the segment each fix falls in; a fix on a stop's boundary counts as the stop."""
    stops = [(s.start, s.end) for s in segments if s.kind == "stop"]
    labels: list[SegmentKind] = []
    index = 0
    for point in points:
        while index < len(stops) and stops[index][1] < point.at:
            index += 1
        inside = index < len(stops) and stops[index][0] <= point.at
        labels.append("stop" if inside else "move")
    return labels
