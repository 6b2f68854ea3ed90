"""Late risk (the ETA is past the promised window) and SLA breach (the window has passed)."""

from datetime import datetime, timedelta

from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds


def check_late_risk(
    *,
    stop_id: str,
    eta: datetime,
    window_end: datetime | None,
    now: datetime,
    thresholds: AlertThresholds,
) -> Signal | None:
    """Raise while the ETA lies beyond the window's end (plus margin), clear once it is back."""
    key = f"{AlertKind.LATE_RISK.value}:{stop_id}"
    if window_end is None:
        return None
    late_by = eta - (window_end + timedelta(seconds=thresholds.late_risk_margin_s))
    if late_by <= timedelta(0):
        return Signal.clear(AlertKind.LATE_RISK, key, now)
    return Signal(
        kind=AlertKind.LATE_RISK,
        key=key,
        raised=True,
        at=now,
        severity=Severity.WARNING,
        title=f"Expected {late_by.total_seconds() / 60:.0f} min after the promised window",
        details={"stop_id": stop_id, "eta": eta.isoformat(), "window_end": window_end.isoformat()},
    )


def check_sla_breach(
    *, stop_id: str, window_end: datetime | None, now: datetime, done: bool
) -> Signal | None:
    """Raise once the promised window has passed with the stop still not done."""
    if window_end is None or done or now <= window_end:
        return None
    return Signal(
        kind=AlertKind.SLA_BREACH,
        key=f"{AlertKind.SLA_BREACH.value}:{stop_id}",
        raised=True,
        at=now,
        severity=Severity.CRITICAL,
        title="Promised delivery window missed",
        details={"stop_id": stop_id, "window_end": window_end.isoformat()},
    )
