"""GPS lost: a phone on shift that stopped sending fixes.

A phone that is parked sends rarely (the driver app slows down when still), so silence is judged
by what the phone was last doing: after moving, `gps_lost_moving_s` of silence is a lost phone (or
a tunnel, if it comes back sooner); while parked, only `gps_lost_parked_s` is.
"""

from dataclasses import dataclass
from datetime import datetime

from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds

MOVING_SPEED_MPS = 2.0


@dataclass(frozen=True, slots=True)
class LastContact:
    driver_id: str
    at: datetime
    lat: float | None
    lon: float | None
    speed_mps: float | None
    battery_pct: float | None = None


def gps_lost_key(driver_id: str, last_at: datetime) -> str:
    return f"{AlertKind.GPS_LOST.value}:{driver_id}:{last_at.isoformat()}"


def check_gps_lost(
    last: LastContact, *, now: datetime, on_shift: bool, thresholds: AlertThresholds
) -> Signal | None:
    """A raise when the phone has been silent too long for what it was doing, else None."""
    if not on_shift:
        return None
    silent_s = (now - last.at).total_seconds()
    moving = (last.speed_mps or 0.0) >= MOVING_SPEED_MPS
    limit = thresholds.gps_lost_moving_s if moving else thresholds.gps_lost_parked_s
    if silent_s < limit:
        return None
    doing = f"moving at {last.speed_mps * 3.6:.0f} km/h" if moving and last.speed_mps else "parked"
    battery = f"; battery was {last.battery_pct:.0f}%" if last.battery_pct is not None else ""
    return Signal(
        kind=AlertKind.GPS_LOST,
        key=gps_lost_key(last.driver_id, last.at),
        raised=True,
        at=now,
        severity=Severity.CRITICAL if moving else Severity.WARNING,
        title=f"No GPS for {silent_s / 60:.0f} min; last seen {doing}{battery}",
        lat=last.lat,
        lon=last.lon,
        details={
            "driver_id": last.driver_id,
            "last_fix_at": last.at.isoformat(),
            "was_moving": moving,
            "silent_s": round(silent_s),
        },
    )
