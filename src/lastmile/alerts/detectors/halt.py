"""Unscheduled halts, and the suspicious ones among them (possible pilferage).

A halt is a run of fixes that stay within `halt_radius_m` of the run's median position. A few
fixes outside (multipath jumps) do not end it; a drift that keeps going (crawling in traffic)
does. It is unscheduled once it has lasted `halt_min_s` further than `planned_place_radius_m`
from every remaining planned stop and the hub. With parcels on board it is also suspicious, and
more so at night or when the driver has already halted off-route that day.
"""

import statistics
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.geo import haversine_m

OUTLIERS_TO_END_RUN = 3
CENTRE_SAMPLE = 25


@dataclass(frozen=True, slots=True)
class HaltContext:
    """What the detector must know besides the fix: the places where stopping is expected."""

    planned_places: tuple[tuple[float, float], ...]
    parcels_on_board: int
    time_zone: tzinfo


@dataclass(slots=True)
class _Run:
    start: datetime
    lats: deque[float] = field(default_factory=lambda: deque(maxlen=CENTRE_SAMPLE))
    lons: deque[float] = field(default_factory=lambda: deque(maxlen=CENTRE_SAMPLE))
    last_at: datetime | None = None
    outliers: list[tuple[datetime, float, float]] = field(default_factory=list)
    raised: bool = False
    suspicious: bool = False

    def add(self, lat: float, lon: float) -> None:
        self.lats.append(lat)
        self.lons.append(lon)

    def centre(self) -> tuple[float, float]:
        """The median position of the newest `CENTRE_SAMPLE` fixes of the run."""
        return statistics.median(self.lats), statistics.median(self.lons)


class HaltDetector:
    """Per driver: feed fixes in time order, get raise/clear signals."""

    def __init__(self, driver_id: str, thresholds: AlertThresholds) -> None:
        self.driver_id = driver_id
        self.thresholds = thresholds
        self._min_duration = timedelta(seconds=thresholds.halt_min_s)
        self._run: _Run | None = None
        self._off_route_halts: list[tuple[float, float]] = []

    def push(self, at: datetime, lat: float, lon: float, context: HaltContext) -> list[Signal]:
        signals: list[Signal] = []
        run = self._run
        if run is None:
            self._run = self._start(at, lat, lon)
            return signals
        centre = run.centre()
        if haversine_m(lat, lon, *centre) <= self.thresholds.halt_radius_m:
            run.add(lat, lon)
            run.outliers.clear()
            run.last_at = at
        else:
            run.outliers.append((at, lat, lon))
            if len(run.outliers) < OUTLIERS_TO_END_RUN:
                return signals
            signals += self._end(run)
            self._run = self._start(*run.outliers[0])
            for later in run.outliers[1:]:
                signals += self.push(*later, context)
            return signals
        if not run.raised and run.last_at - run.start >= self._min_duration:
            signals += self._maybe_raise(run, context)
        return signals

    @staticmethod
    def _start(at: datetime, lat: float, lon: float) -> _Run:
        run = _Run(start=at, last_at=at)
        run.add(lat, lon)
        return run

    def _key(self, run: _Run, kind: AlertKind) -> str:
        return f"{kind.value}:{self.driver_id}:{run.start.isoformat()}"

    def _end(self, run: _Run) -> list[Signal]:
        if not run.raised or run.last_at is None:
            return []
        kinds = [AlertKind.UNSCHEDULED_HALT]
        if run.suspicious:
            kinds.append(AlertKind.SUSPICIOUS_STOP)
        return [Signal.clear(kind, self._key(run, kind), run.last_at) for kind in kinds]

    def _maybe_raise(self, run: _Run, context: HaltContext) -> list[Signal]:
        lat, lon = run.centre()
        radius = self.thresholds.planned_place_radius_m
        if any(haversine_m(lat, lon, *place) <= radius for place in context.planned_places):
            return []
        run.raised = True
        assert run.last_at is not None
        minutes = (run.last_at - run.start).total_seconds() / 60
        details = {
            "driver_id": self.driver_id,
            "since": run.start.isoformat(),
            "minutes": round(minutes, 1),
        }
        signals = [
            Signal(
                kind=AlertKind.UNSCHEDULED_HALT,
                key=self._key(run, AlertKind.UNSCHEDULED_HALT),
                raised=True,
                at=run.last_at,
                severity=Severity.WARNING,
                title=f"Stopped {minutes:.0f} min away from every planned stop",
                lat=lat,
                lon=lon,
                details=details,
            )
        ]
        if context.parcels_on_board > 0:
            run.suspicious = True
            signals.append(self._suspicious(run, lat, lon, context, details))
        self._off_route_halts.append((lat, lon))
        return signals

    def _suspicious(
        self,
        run: _Run,
        lat: float,
        lon: float,
        context: HaltContext,
        details: dict[str, object],
    ) -> Signal:
        reasons = [f"{context.parcels_on_board} parcels on board"]
        if self._is_night(run.start, context.time_zone):
            reasons.append("at night")
        earlier = len(self._off_route_halts)
        if earlier:
            reasons.append(f"{earlier} earlier off-route halt(s) today")
        severity = Severity.CRITICAL if len(reasons) > 1 else Severity.WARNING
        assert run.last_at is not None
        return Signal(
            kind=AlertKind.SUSPICIOUS_STOP,
            key=self._key(run, AlertKind.SUSPICIOUS_STOP),
            raised=True,
            at=run.last_at,
            severity=severity,
            title="Suspicious stop: " + ", ".join(reasons),
            lat=lat,
            lon=lon,
            details={**details, "reasons": reasons, "parcels_on_board": context.parcels_on_board},
        )

    def _is_night(self, at: datetime, zone: tzinfo) -> bool:
        hour = at.astimezone(zone).hour
        start, end = self.thresholds.night_start_hour, self.thresholds.night_end_hour
        return hour >= start or hour < end if start > end else start <= hour < end
