"""Spoofed location: the phone's mock-location flag, or a fix stream physics cannot explain:
a burst of impossible jumps, or one jump the track then stayed at (a teleport)."""

from collections import deque
from datetime import datetime, timedelta

from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.geo import haversine_m

JUMP_WINDOW = timedelta(minutes=10)
JUMPS_TO_ALERT = 3


class SpoofDetector:
    """Per driver: one alert per day for mock locations, one per burst of impossible jumps, one
    per teleport.

    A teleport is a jump the pipeline re-anchored on, away from a confirmed track
    (`relocated`): the rejected jumps that led to it agreed with one another, so it counts one
    jump here, never a burst; yet it is what a
    forger sending consistent fixes for a known OsmAnd id looks like, and the customers' maps
    hold the driver back until the track is trusted again (`ingest.filters.SpeedFilter`)."""

    def __init__(self, driver_id: str, thresholds: AlertThresholds) -> None:
        self.driver_id = driver_id
        self.thresholds = thresholds
        self._last: tuple[datetime, float, float] | None = None
        self._jumps: deque[datetime] = deque()
        self._mock_day_raised: str | None = None
        self._jump_burst_raised = False

    def push(
        self, at: datetime, lat: float, lon: float, *, mock: bool, relocated: bool = False
    ) -> list[Signal]:
        signals: list[Signal] = []
        if relocated:
            signals.append(
                self._signal(
                    at,
                    lat,
                    lon,
                    f"teleport:{at.isoformat()}",
                    "The position jumped impossibly and stayed there (spoofing, or GPS"
                    " recovering): hidden from customers until trusted again",
                )
            )
        if mock and self._mock_day_raised != (day := at.date().isoformat()):
            self._mock_day_raised = day
            signals.append(
                self._signal(
                    at, lat, lon, f"mock:{day}", "The phone reports a mock (fake) location"
                )
            )
        if self._last is not None and at > self._last[0]:
            then, plat, plon = self._last
            speed = haversine_m(plat, plon, lat, lon) / (at - then).total_seconds()
            if speed > self.thresholds.max_plausible_speed_mps:
                self._jumps.append(at)
        self._last = (at, lat, lon)
        while self._jumps and at - self._jumps[0] > JUMP_WINDOW:
            self._jumps.popleft()
        if len(self._jumps) >= JUMPS_TO_ALERT and not self._jump_burst_raised:
            self._jump_burst_raised = True
            signals.append(
                self._signal(
                    at,
                    lat,
                    lon,
                    f"jumps:{self._jumps[0].isoformat()}",
                    f"{len(self._jumps)} impossible jumps within {JUMP_WINDOW.seconds // 60} min",
                )
            )
        elif not self._jumps:
            self._jump_burst_raised = False
        return signals

    def _signal(self, at: datetime, lat: float, lon: float, suffix: str, title: str) -> Signal:
        return Signal(
            kind=AlertKind.SPOOFED_LOCATION,
            key=f"{AlertKind.SPOOFED_LOCATION.value}:{self.driver_id}:{suffix}",
            raised=True,
            at=at,
            severity=Severity.CRITICAL,
            title=title,
            lat=lat,
            lon=lon,
            details={"driver_id": self.driver_id},
        )
