"""Is a fix stationary? Decided from the fixes within half a window either side of it.

Stationary when nearly all of the window's fixes lie within a radius of their median
position (a stay-point test that tolerates jitter and single outliers), or when they stay
within a wider radius and their median position before and after the fix barely moves
(jitter averages out, creeping in traffic does not); reported speeds, when present, can
only veto. This runs for every fix of every driver on the live path, so distances are
planar (metres on the tangent plane at the window's centre: within the 50 m or so that
matter here they differ from great-circle distances by far less than GPS noise) and times
are seconds since the epoch.
"""

import math
from collections.abc import Sequence
from typing import NamedTuple

from lastmile.trips.types import SegmentationConfig, TrackPoint

M_PER_DEG_LAT = math.pi * 6_371_008.8 / 180


class Labelled(NamedTuple):
    """A fix with its time in seconds, its verdict and its window's median position."""

    point: TrackPoint
    t_s: float
    stationary: bool
    centre_lat: float
    centre_lon: float


def planar_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres on the plane tangent at the first point; for nearby points.

    Examples
    --------
    >>> round(planar_m(60.1699, 24.9384, 60.1699, 24.9484))
    553
    """
    dy = (lat2 - lat1) * M_PER_DEG_LAT
    dx = (lon2 - lon1) * M_PER_DEG_LAT * math.cos(math.radians(lat1))
    return math.sqrt(dx * dx + dy * dy)


def _median(values: list[float]) -> float:
    """Median of values already sorted (the mean of the middle two for an even count)."""
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def median_position(points: Sequence[TrackPoint]) -> tuple[float, float]:
    """Coordinate-wise median: robust to outliers, and the same in degrees as in metres."""
    return _median(sorted(p.lat for p in points)), _median(sorted(p.lon for p in points))


def drift_speed_mps(window: Sequence[TrackPoint], times: Sequence[float], t_s: float) -> float:
    """Speed between the median positions of the window before and after the time `t_s`.

    Parameters
    ----------
    window : fixes in time order, one of them at `t_s`.
    times : their times in seconds, in the same order.
    t_s : the time that splits the window in two (fixes at it belong to both halves).

    Returns
    -------
    float
        Metres per second between the two medians; infinite when a half has fewer
        than two fixes.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> from lastmile.trips.types import TrackPoint
    >>> t0 = datetime(2024, 5, 6, tzinfo=UTC)
    >>> crawl = [TrackPoint(t0 + timedelta(seconds=s), 0.0, s * 1.5e-5) for s in range(9)]
    >>> round(drift_speed_mps(crawl, [float(s) for s in range(9)], 4.0), 2)
    1.67
    """
    before = [i for i, t in enumerate(times) if t <= t_s]
    after = [i for i, t in enumerate(times) if t >= t_s]
    if len(before) < 2 or len(after) < 2:
        return math.inf
    span_s = _median([times[i] for i in after]) - _median([times[i] for i in before])
    if span_s <= 0:
        return math.inf
    return (
        planar_m(
            *median_position([window[i] for i in before]),
            *median_position([window[i] for i in after]),
        )
        / span_s
    )


def classify(
    window: list[TrackPoint],
    times: list[float],
    point: TrackPoint,
    t_s: float,
    config: SegmentationConfig,
    *,
    reported: bool = True,
) -> Labelled:
    """Label `point` (at `t_s`) from the fixes of its window and their times; `reported` is
    False when no fix of the window carries an accuracy or a speed (saves looking)."""
    n, middle = len(window), len(window) // 2
    lats = sorted([p.lat for p in window])
    lons = sorted([p.lon for p in window])
    if n % 2:
        centre_lat, centre_lon = lats[middle], lons[middle]
    else:
        centre_lat = (lats[middle - 1] + lats[middle]) / 2
        centre_lon = (lons[middle - 1] + lons[middle]) / 2
    radius_m = config.radius_m
    accuracies = [p.accuracy_m for p in window if p.accuracy_m is not None] if reported else None
    if accuracies:
        accuracy_m = _median(sorted(accuracies))
        radius_m = min(max(radius_m, config.accuracy_factor * accuracy_m), config.max_radius_m)
    ky = M_PER_DEG_LAT
    kx = ky * math.cos(math.radians(centre_lat))
    radius2, max_radius2 = radius_m * radius_m, config.max_radius_m * config.max_radius_m
    outside = far = 0
    for p in window:
        dy, dx = (p.lat - centre_lat) * ky, (p.lon - centre_lon) * kx
        distance2 = dx * dx + dy * dy
        if distance2 > radius2:
            outside += 1
            far += distance2 > max_radius2
    stationary = outside <= int(config.outlier_fraction * n)
    if not stationary and config.drift_speed_mps > 0 and far <= n // 3:
        stationary = drift_speed_mps(window, times, t_s) <= config.drift_speed_mps
    speeds = [p.speed_mps for p in window if p.speed_mps is not None] if reported else None
    if speeds and _median(sorted(speeds)) > config.moving_speed_mps:
        stationary = False
    return Labelled(point, t_s, stationary, centre_lat, centre_lon)


class WindowClassifier:
    """Labels each fix once every fix within half a window after it has arrived."""

    def __init__(self, config: SegmentationConfig) -> None:
        self._config = config
        self._half_s = config.window_s / 2
        self._points: list[TrackPoint] = []
        self._times: list[float] = []
        self._next = 0
        self._reported = 0

    def push(self, point: TrackPoint, t_s: float) -> list[Labelled]:
        self._points.append(point)
        self._times.append(t_s)
        if point.accuracy_m is not None or point.speed_mps is not None:
            self._reported += 1
        times, half_s = self._times, self._half_s
        out: list[Labelled] = []
        while self._next < len(times) - 1 and t_s - times[self._next] > half_s:
            out.append(self._label_next())
        if self._next:
            self._trim()
        return out

    def flush(self) -> list[Labelled]:
        out = [self._label_next() for _ in range(self._next, len(self._times))]
        self._points.clear()
        self._times.clear()
        self._next = self._reported = 0
        return out

    def _label_next(self) -> Labelled:
        """Label the oldest unlabelled fix; its immediate neighbours are always in its window.

        Times never decrease, so the window is a contiguous run of the buffer."""
        index, times, half_s = self._next, self._times, self._half_s
        t_s = times[index]
        low = max(index - 1, 0)
        while low > 0 and t_s - times[low - 1] <= half_s:
            low -= 1
        high, last = min(index + 1, len(times) - 1), len(times) - 1
        while high < last and times[high + 1] - t_s <= half_s:
            high += 1
        self._next += 1
        return classify(
            self._points[low : high + 1],
            times[low : high + 1],
            self._points[index],
            t_s,
            self._config,
            reported=self._reported > 0,
        )

    def _trim(self) -> None:
        """Forget fixes no window needs any more: those over half a window before the newest
        labelled one."""
        times, half_s = self._times, self._half_s
        keep_from = times[self._next - 1]
        drop = 0
        while drop < self._next - 1 and keep_from - times[drop] > half_s:
            drop += 1
        if drop:
            if self._reported:
                self._reported -= sum(
                    p.accuracy_m is not None or p.speed_mps is not None for p in self._points[:drop]
                )
            del self._points[:drop]
            del times[:drop]
            self._next -= drop
