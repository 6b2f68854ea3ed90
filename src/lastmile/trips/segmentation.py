"""Split a driver's GPS track into stops and moves, one fix at a time or a whole track at once.

This is the one stop detector: the trips API, `lastmile trips detect` and the live
unscheduled-halt alert all run it with the defaults of `SegmentationConfig`.

Two stages. First each fix is called *stationary* or *moving* from the fixes within
`window_s` around it (stationary.py): stationary when nearly all of them lie within a
radius of their median position (a stay-point test that tolerates jitter and single
outliers), or when they stay within a wider radius and their median position before and
after the fix barely moves (jitter averages out, creeping in traffic does not); reported
speeds, when present, can only veto. Then runs of stationary fixes become stop candidates: moving
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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lastmile.errors import InvalidInput
from lastmile.trips.stationary import Labelled, WindowClassifier, median_position, planar_m
from lastmile.trips.types import Segment, SegmentationConfig, SegmentKind, TrackPoint

# A confirmed stop's centre is the median of at most this many of its fixes, spread evenly
# over it: a driver parked for hours must not keep every fix in the live detector's memory.
CENTRE_SAMPLE = 256


@dataclass(slots=True)
class _Candidate:
    """A run of stationary fixes that may become a stop; times in epoch seconds.

    `points` holds every fix until the stop is confirmed (they go back to the move if it is
    not), then an even sample of at most `CENTRE_SAMPLE`."""

    anchor_lat: float
    anchor_lon: float
    start_s: float
    last_s: float
    first: TrackPoint
    last: TrackPoint
    points: list[TrackPoint]
    confirmed: bool = False
    stride: int = 1
    skipped: int = 0

    @classmethod
    def begin(cls, labelled: Labelled) -> "_Candidate":
        point, t_s = labelled.point, labelled.t_s
        return cls(labelled.centre_lat, labelled.centre_lon, t_s, t_s, point, point, [point])

    def add(self, point: TrackPoint) -> None:
        self.last = point
        if self.skipped + 1 < self.stride:
            self.skipped += 1
            return
        self.skipped = 0
        self.points.append(point)
        if self.confirmed and len(self.points) >= CENTRE_SAMPLE:
            del self.points[1::2]
            self.stride *= 2

    def centre(self) -> tuple[float, float]:
        return median_position(self.points)


@dataclass(slots=True)
class _OpenMove:
    """The move being built; it starts at a stop's end (its centre) or at the first fix."""

    start: datetime
    last_lat: float
    last_lon: float
    end: datetime
    distance_m: float = 0.0

    def add(self, point: TrackPoint) -> None:
        self.distance_m += planar_m(self.last_lat, self.last_lon, point.lat, point.lon)
        self.last_lat, self.last_lon, self.end = point.lat, point.lon, point.at

    def close(self, *, end: datetime, lat: float, lon: float) -> Segment:
        distance_m = self.distance_m + planar_m(self.last_lat, self.last_lon, lat, lon)
        duration_s = (end - self.start).total_seconds()
        return Segment("move", self.start, end, lat, lon, duration_s, distance_m)


class StopDetector:
    """Streaming segmentation: `push` fixes in time order, receive segments once closed.

    A move is emitted once the stop after it has lasted `min_dwell_s`; a stop once the
    driver has been moving for longer than `merge_gap_s` or has left it; both about
    `window_s / 2` later, the look-ahead each fix needs. Meanwhile `stopped_since` and
    `open_stop` tell whether the driver is in a stop and since when. Call `flush` at the
    end of the track to close what is still open; the detector can then be used again.
    """

    def __init__(self, config: SegmentationConfig | None = None) -> None:
        self._config = config or SegmentationConfig()
        self._classifier = WindowClassifier(self._config)
        self._last_at: datetime | None = None
        self._move: _OpenMove | None = None
        self._candidate: _Candidate | None = None
        self._gap: list[TrackPoint] = []

    @property
    def config(self) -> SegmentationConfig:
        return self._config

    @property
    def stopped_since(self) -> datetime | None:
        """Start of the stop the driver is in, once it has lasted `min_dwell_s`; else None."""
        candidate = self._candidate
        if candidate is None or not candidate.confirmed:
            return None
        return candidate.first.at

    def open_stop(self) -> Segment | None:
        """The stop the driver is in so far (to its latest stationary fix), or None."""
        candidate = self._candidate
        if candidate is None or not candidate.confirmed:
            return None
        lat, lon = candidate.centre()
        start, end = candidate.first.at, candidate.last.at
        return Segment("stop", start, end, lat, lon, (end - start).total_seconds(), 0.0)

    def push(self, point: TrackPoint) -> list[Segment]:
        at, last_at = point.at, self._last_at
        if at.tzinfo is None:
            raise InvalidInput("at", f"is {at.isoformat()}: must be timezone-aware")
        if last_at is not None and at < last_at:
            raise InvalidInput(
                "at",
                f"is {at.isoformat()}, before the previous fix at "
                f"{last_at.isoformat()}: fixes must come in time order",
            )
        self._last_at = at
        labelled = self._classifier.push(point, at.timestamp())
        if not labelled:
            return []
        out: list[Segment] = []
        for one in labelled:
            out.extend(self._step(one))
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

    def _step(self, labelled: Labelled) -> list[Segment]:
        point, t_s, candidate = labelled.point, labelled.t_s, self._candidate
        if candidate is None:
            if labelled.stationary:
                self._candidate = _Candidate.begin(labelled)
            else:
                self._add_to_move(point)
            return []
        if not labelled.stationary:
            self._gap.append(point)
            if t_s - candidate.last_s > self._config.merge_gap_s:
                return self._close_candidate(candidate)
            return []
        drift_m = planar_m(
            candidate.anchor_lat, candidate.anchor_lon, labelled.centre_lat, labelled.centre_lon
        )
        if drift_m > self._config.max_extent_m:
            out = self._close_candidate(candidate)
            self._candidate = _Candidate.begin(labelled)
            return out
        if self._gap:
            for moved in self._gap:
                candidate.add(moved)
            self._gap = []
        candidate.add(point)
        candidate.last_s = t_s
        if not candidate.confirmed and t_s - candidate.start_s >= self._config.min_dwell_s:
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
        return [move.close(end=candidate.first.at, lat=lat, lon=lon)]

    def _close_candidate(self, candidate: _Candidate) -> list[Segment]:
        gap = self._gap
        self._candidate, self._gap = None, []
        if not candidate.confirmed:
            for point in (*candidate.points, *gap):
                self._add_to_move(point)
            return []
        lat, lon = candidate.centre()
        start, end = candidate.first.at, candidate.last.at
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
