"""Unscheduled halts, and the suspicious ones among them (possible pilferage).

Whether a driver is stopped, and since when, is the trips segmentation's call: each driver's
fixes go through a `StopDetector` with the shipped `SegmentationConfig`, the same detector and
parameters as `lastmile trips detect` and the trips API, so the alert and the day's trips agree
on every stop. The alert's rule is this module's: a stop is unscheduled once it has lasted
`halt_min_s` further than `planned_place_radius_m` from every remaining planned stop and the
hub. With parcels on board it is also suspicious, and more so at night or when the driver has
already halted off-route that day.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.geo import haversine_m
from lastmile.trips.segmentation import StopDetector
from lastmile.trips.types import Segment, TrackPoint

# A stop near a planned place is judged again this often: the places left change as the
# driver completes stops, and judging costs a median over the stop's fixes.
REJUDGE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class HaltContext:
    """What the detector must know besides the fix: the places where stopping is expected."""

    planned_places: tuple[tuple[float, float], ...]
    parcels_on_board: int
    time_zone: tzinfo


@dataclass(slots=True)
class _Raised:
    """The stop an alert is open for, and whether it was suspicious too."""

    start: datetime
    suspicious: bool


class HaltDetector:
    """Per driver: feed fixes in time order, get raise/clear signals."""

    def __init__(self, driver_id: str, thresholds: AlertThresholds) -> None:
        self.driver_id = driver_id
        self.thresholds = thresholds
        self._min_duration = timedelta(seconds=thresholds.halt_min_s)
        self._stops = StopDetector()
        self._raised: _Raised | None = None
        self._judged: tuple[datetime, datetime] | None = None
        self._off_route_halts: list[tuple[float, float]] = []

    def push(self, at: datetime, lat: float, lon: float, context: HaltContext) -> list[Signal]:
        closed = self._stops.push(TrackPoint(at, lat, lon))
        signals: list[Signal] = []
        raised = self._raised
        if closed and raised is not None:
            for segment in closed:
                if segment.kind == "stop" and segment.start == raised.start:
                    signals += self._end(segment, raised)
                    self._raised = None
        since = self._stops.stopped_since
        if since is None or at - since < self._min_duration or self._raised is not None:
            return signals
        judged = self._judged
        if judged is not None and judged[0] == since and at - judged[1] < REJUDGE:
            return signals
        stop = self._stops.open_stop()
        if stop is not None and stop.duration_s >= self.thresholds.halt_min_s:
            self._judged = (since, at)
            signals += self._maybe_raise(stop, at, context)
        return signals

    def _key(self, start: datetime, kind: AlertKind) -> str:
        return f"{kind.value}:{self.driver_id}:{start.isoformat()}"

    def _end(self, stop: Segment, raised: _Raised) -> list[Signal]:
        kinds = [AlertKind.UNSCHEDULED_HALT]
        if raised.suspicious:
            kinds.append(AlertKind.SUSPICIOUS_STOP)
        return [Signal.clear(kind, self._key(stop.start, kind), stop.end) for kind in kinds]

    def _maybe_raise(self, stop: Segment, at: datetime, context: HaltContext) -> list[Signal]:
        radius = self.thresholds.planned_place_radius_m
        if any(
            haversine_m(stop.lat, stop.lon, *place) <= radius for place in context.planned_places
        ):
            return []
        raised = self._raised = _Raised(stop.start, suspicious=context.parcels_on_board > 0)
        minutes = stop.duration_s / 60
        details = {
            "driver_id": self.driver_id,
            "since": stop.start.isoformat(),
            "minutes": round(minutes, 1),
        }
        signals = [
            Signal(
                kind=AlertKind.UNSCHEDULED_HALT,
                key=self._key(stop.start, AlertKind.UNSCHEDULED_HALT),
                raised=True,
                at=at,
                severity=Severity.WARNING,
                title=f"Stopped {minutes:.0f} min away from every planned stop",
                lat=stop.lat,
                lon=stop.lon,
                details=details,
            )
        ]
        if raised.suspicious:
            signals.append(self._suspicious(stop, at, context, details))
        self._off_route_halts.append((stop.lat, stop.lon))
        return signals

    def _suspicious(
        self, stop: Segment, at: datetime, context: HaltContext, details: dict[str, object]
    ) -> Signal:
        reasons = [f"{context.parcels_on_board} parcels on board"]
        if self._is_night(stop.start, context.time_zone):
            reasons.append("at night")
        earlier = len(self._off_route_halts)
        if earlier:
            reasons.append(f"{earlier} earlier off-route halt(s) today")
        severity = Severity.CRITICAL if len(reasons) > 1 else Severity.WARNING
        return Signal(
            kind=AlertKind.SUSPICIOUS_STOP,
            key=self._key(stop.start, AlertKind.SUSPICIOUS_STOP),
            raised=True,
            at=at,
            severity=severity,
            title="Suspicious stop: " + ", ".join(reasons),
            lat=stop.lat,
            lon=stop.lon,
            details={**details, "reasons": reasons, "parcels_on_board": context.parcels_on_board},
        )

    def _is_night(self, at: datetime, zone: tzinfo) -> bool:
        hour = at.astimezone(zone).hour
        start, end = self.thresholds.night_start_hour, self.thresholds.night_end_hour
        return hour >= start or hour < end if start > end else start <= hour < end
