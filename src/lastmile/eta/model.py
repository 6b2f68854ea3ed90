"""The ETA arithmetic: remaining stops, leg travel times, service times → ETA and window per stop.

Pure functions over plain values. The expensive part (leg travel times between consecutive
stops, from a road network) is computed once per route and stop completion by the caller;
each new position only adds the leg to the next stop and walks the cumulative sums.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lastmile.geo import haversine_m

LatLon = tuple[float, float]

HORIZONS = ("1", "2-5", "6+")
"""Horizon buckets by stops away: the next stop, the few after it, the rest of the day."""

MIN_SCALE_S = 300.0
"""Window errors are learned relative to max(time to go, this): a minute-precise arrival a
minute away would otherwise give an unbounded relative error."""


def horizon_bucket(stops_away: int) -> str:
    """The horizon bucket of a stop `stops_away` stops ahead (1 = the next stop).

    >>> [horizon_bucket(n) for n in (1, 2, 5, 6, 30)]
    ['1', '2-5', '2-5', '6+', '6+']
    """
    if stops_away <= 1:
        return "1"
    return "2-5" if stops_away <= 5 else "6+"


@dataclass(frozen=True, slots=True)
class Stop:
    """A remaining stop: where, the customer's window, and what kind of address it is."""

    stop_id: str
    lat: float
    lon: float
    window_start: datetime | None = None
    window_end: datetime | None = None
    kind: str = ""
    service_s: float | None = None
    """The planned service time, used where nothing was learned for this kind of address."""


@dataclass(frozen=True, slots=True)
class Quantiles:
    """Errors of one horizon bucket, relative to max(time to go, MIN_SCALE_S)."""

    shift: float = 0.0
    low: float = -0.3
    high: float = 0.5


@dataclass(frozen=True, slots=True)
class ErrorModel:
    """Per-horizon error quantiles (learned from residuals), and how stale GPS widens them."""

    by_horizon: Mapping[str, Quantiles] = field(
        default_factory=lambda: {name: Quantiles() for name in HORIZONS}
    )
    coverage: float = 0.8

    def quantiles(self, stops_away: int) -> Quantiles:
        return self.by_horizon.get(horizon_bucket(stops_away), Quantiles())


@dataclass(frozen=True, slots=True)
class StopForecast:
    stop_id: str
    eta: datetime
    window_start: datetime
    window_end: datetime
    stops_away: int


def straight_line_s(a: LatLon, b: LatLon, *, seconds_per_m: float) -> float:
    """Travel time along the great circle stretched into a road, `seconds_per_m` including detour.

    >>> round(straight_line_s((0.0, 0.0), (0.0, 0.01), seconds_per_m=0.1))
    111
    """
    return haversine_m(a[0], a[1], b[0], b[1]) * seconds_per_m


def arrivals(
    *,
    depart_at: datetime,
    first_leg_s: float,
    legs_s: Sequence[float],
    service_s: Sequence[float],
    stops: Sequence[Stop],
    wait_for_window: bool = False,
) -> list[datetime]:
    """Arrival times at `stops` leaving now: the first leg, then service + leg after each stop.

    `legs_s[k]` is the travel time from `stops[k]` to `stops[k + 1]`; `service_s[k]` the time
    spent at `stops[k]`. With `wait_for_window` the driver does not start before a window opens.

    >>> t0 = datetime(2026, 1, 5, 9, 0)
    >>> s = [Stop("a", 0, 0), Stop("b", 0, 0)]
    >>> [t.strftime("%H:%M") for t in arrivals(
    ...     depart_at=t0, first_leg_s=600, legs_s=[300], service_s=[120, 120], stops=s)]
    ['09:10', '09:17']
    """
    if len(legs_s) != max(0, len(stops) - 1) or len(service_s) != len(stops):
        raise ValueError("legs_s needs one fewer entry than stops, service_s one per stop")
    out: list[datetime] = []
    at = depart_at + timedelta(seconds=first_leg_s)
    for index, stop in enumerate(stops):
        if wait_for_window and stop.window_start is not None and at < stop.window_start:
            at = stop.window_start
        out.append(at)
        if index < len(legs_s):
            at = at + timedelta(seconds=service_s[index] + legs_s[index])
    return out


def toward_window(
    eta: datetime, *, now: datetime, stop: Stop, anchor: float, weight: float
) -> datetime:
    """Pull `eta` by `weight` toward the point `anchor` of the stop's window (never before now).

    Drivers plan their day around customers' windows, so where a stop's window lies says
    something about when it will be served, the more so the further ahead it is.

    >>> t0 = datetime(2026, 1, 5, 9, 0)
    >>> h = timedelta(hours=1)
    >>> s = Stop("a", 0, 0, window_start=t0 + 2 * h, window_end=t0 + 4 * h)
    >>> toward_window(t0 + timedelta(hours=1), now=t0, stop=s, anchor=0.5, weight=0.5).hour
    11
    """
    if weight <= 0 or stop.window_start is None or stop.window_end is None:
        return eta
    target = max(now, stop.window_start + (stop.window_end - stop.window_start) * anchor)
    return eta + (target - eta) * weight


def stale_widening_s(gps_age_s: float | None, *, to_go_s: float) -> tuple[float, float]:
    """How much earlier / later a stale position lets the truth be: (earlier_s, later_s).

    The driver may have kept moving since the last fix (up to its age earlier, no more than the
    time left) or been stuck (later): both sides grow with the age.

    >>> stale_widening_s(None, to_go_s=600)
    (0.0, 0.0)
    >>> stale_widening_s(120, to_go_s=600)
    (120.0, 60.0)
    >>> stale_widening_s(3600, to_go_s=600)
    (600.0, 1800.0)
    """
    if gps_age_s is None or gps_age_s <= 0:
        return 0.0, 0.0
    return float(min(gps_age_s, to_go_s)), float(gps_age_s) / 2.0


def forecast(
    *,
    now: datetime,
    etas: Sequence[datetime],
    stops: Sequence[Stop],
    errors: ErrorModel,
    gps_age_s: float | None = None,
) -> list[StopForecast]:
    """Point ETAs → calibrated ETA and window per stop; stale GPS widens every window.

    >>> t0 = datetime(2026, 1, 5, 9, 0)
    >>> f = forecast(now=t0, etas=[t0 + timedelta(minutes=20)], stops=[Stop("a", 0, 0)],
    ...              errors=ErrorModel({"1": Quantiles(0.0, -0.25, 0.5)}))
    >>> f[0].window_start.strftime("%H:%M"), f[0].window_end.strftime("%H:%M")
    ('09:15', '09:30')
    """
    out = []
    for index, (eta, stop) in enumerate(zip(etas, stops, strict=True)):
        stops_away = index + 1
        q = errors.quantiles(stops_away)
        to_go_s = max(0.0, (eta - now).total_seconds())
        scale = max(to_go_s, MIN_SCALE_S)
        earlier_s, later_s = stale_widening_s(gps_age_s, to_go_s=to_go_s)
        low_s = max(0.0, to_go_s + q.low * scale - earlier_s)
        high_s = max(low_s, to_go_s + q.high * scale + later_s)
        centre_s = min(max(to_go_s + q.shift * scale, low_s), high_s)
        out.append(
            StopForecast(
                stop_id=stop.stop_id,
                eta=now + timedelta(seconds=centre_s),
                window_start=now + timedelta(seconds=low_s),
                window_end=now + timedelta(seconds=high_s),
                stops_away=stops_away,
            )
        )
    return out


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of non-empty `values`.

    >>> quantile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.5
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
