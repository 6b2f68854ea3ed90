"""Route deviation: outside the corridor around the planned road geometry for long enough.

Hysteresis: an excursion starts beyond `corridor_m` and ends only back within
`corridor_m * corridor_return_ratio`, so a driver skimming the edge raises one alert, not many.
A fix's reported accuracy is given the benefit of the doubt (a 60 m fix 280 m out counts as 220 m).
"""

from datetime import datetime

from lastmile.alerts.corridor import Corridor
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds


class DeviationDetector:
    """Per driver and route: feed fixes in time order, get one raise and one clear per excursion."""

    def __init__(self, route_id: str, corridor: Corridor, thresholds: AlertThresholds) -> None:
        self.route_id = route_id
        self.corridor = corridor
        self.thresholds = thresholds
        self._outside_since: datetime | None = None
        self._furthest_m = 0.0
        self._raised = False

    def push(
        self, at: datetime, lat: float, lon: float, accuracy_m: float | None = None
    ) -> list[Signal]:
        slack = min(accuracy_m or 0.0, self.thresholds.corridor_m / 2)
        distance = max(0.0, self.corridor.distance_m(lat, lon) - slack)
        if self._outside_since is None:
            if distance > self.thresholds.corridor_m:
                self._outside_since = at
                self._furthest_m = distance
            return []
        if distance < self.thresholds.corridor_m * self.thresholds.corridor_return_ratio:
            return self._back_inside(at)
        self._furthest_m = max(self._furthest_m, distance)
        outside_s = (at - self._outside_since).total_seconds()
        if self._raised or outside_s < self.thresholds.deviation_min_s:
            return []
        self._raised = True
        return [
            Signal(
                kind=AlertKind.ROUTE_DEVIATION,
                key=self._key(),
                raised=True,
                at=at,
                severity=Severity.WARNING,
                title=f"Off the planned route for {outside_s / 60:.0f} min, {distance:.0f} m away",
                lat=lat,
                lon=lon,
                details={
                    "route_id": self.route_id,
                    "since": self._outside_since.isoformat(),
                    "distance_m": round(distance),
                },
            )
        ]

    def _key(self) -> str:
        assert self._outside_since is not None
        return (
            f"{AlertKind.ROUTE_DEVIATION.value}:{self.route_id}:{self._outside_since.isoformat()}"
        )

    def _back_inside(self, at: datetime) -> list[Signal]:
        signals = [Signal.clear(AlertKind.ROUTE_DEVIATION, self._key(), at)] if self._raised else []
        self._outside_since = None
        self._raised = False
        self._furthest_m = 0.0
        return signals
