"""The alert lifecycle: detectors' signals open, update and clear alerts; people acknowledge and
resolve them. Plain functions over a session; the caller commits."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from lastmile.alerts.dispatch_notify import queue_alert_opened
from lastmile.alerts.models import Alert, AlertSettings, AlertStatus
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.dispatch.models import Route
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.fleet import service as fleet
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.shipments.models import Shipment

AUTO_RESOLVED = frozenset(
    {
        AlertKind.UNSCHEDULED_HALT,
        AlertKind.ROUTE_DEVIATION,
        AlertKind.GPS_LOST,
        AlertKind.LATE_RISK,
        AlertKind.COD_DISCREPANCY,
        AlertKind.UNPLANNED_ORDER,
    }
)
"""Kinds whose condition ending is the resolution; the others wait for a person to look."""

SYSTEM = "system"
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class Subject:
    """Whom an alert is about."""

    driver_id: uuid.UUID | None = None
    route_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None


def _by_key(session: Session, org_id: uuid.UUID, key: str) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.org_id == org_id, Alert.key == key))


def apply_signals(
    session: Session, *, org_id: uuid.UUID, signals: Iterable[Signal], subject: Subject
) -> list[Alert]:
    """Open or update an alert per raise, clear per clear; returns the alerts that changed."""
    changed: list[Alert] = []
    for signal in signals:
        alert = (
            _raise(session, org_id, signal, subject)
            if signal.raised
            else _clear(session, org_id, signal)
        )
        if alert is not None:
            changed.append(alert)
    session.flush()
    return changed


def _raise(session: Session, org_id: uuid.UUID, signal: Signal, subject: Subject) -> Alert | None:
    alert = _by_key(session, org_id, signal.key)
    if alert is None:
        alert = Alert(
            org_id=org_id,
            kind=signal.kind.value,
            key=signal.key,
            severity=signal.severity,
            status=AlertStatus.OPEN,
            title=signal.title,
            driver_id=subject.driver_id,
            route_id=subject.route_id,
            shipment_id=subject.shipment_id,
            lat=signal.lat,
            lon=signal.lon,
            details=dict(signal.details),
            opened_at=signal.at,
            last_seen_at=signal.at,
        )
        session.add(alert)
        session.flush()
        queue_alert_opened(session, alert, thresholds_for(session, org_id=org_id))
        return alert
    if alert.status is AlertStatus.RESOLVED and alert.cleared_at is None:
        return None
    if alert.status is AlertStatus.RESOLVED:
        alert.status = AlertStatus.OPEN
        alert.resolved_at = alert.resolved_by = None
    alert.cleared_at = None
    alert.last_seen_at = max(alert.last_seen_at, signal.at)
    alert.title = signal.title or alert.title
    if _SEVERITY_RANK[signal.severity] > _SEVERITY_RANK[alert.severity]:
        alert.severity = signal.severity
    alert.details = {**alert.details, **signal.details}
    if signal.lat is not None:
        alert.lat, alert.lon = signal.lat, signal.lon
    return alert


def _clear(session: Session, org_id: uuid.UUID, signal: Signal) -> Alert | None:
    alert = _by_key(session, org_id, signal.key)
    if alert is None or alert.cleared_at is not None or alert.status is AlertStatus.RESOLVED:
        return None
    alert.cleared_at = signal.at
    if signal.kind in AUTO_RESOLVED:
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = signal.at
        alert.resolved_by = SYSTEM
    return alert


def get_alert(
    session: Session, *, org_id: uuid.UUID, alert_id: uuid.UUID, scope: HubScope = EVERY_HUB
) -> Alert:
    """The alert, or NotFound (also for one about a hub the caller's `scope` leaves out)."""
    query = select(Alert).where(Alert.org_id == org_id, Alert.id == alert_id)
    alert = session.scalar(_in_scope(query, scope))
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def acknowledge(
    session: Session,
    *,
    org_id: uuid.UUID,
    alert_id: uuid.UUID,
    actor: str,
    note: str | None,
    now: datetime,
    scope: HubScope = EVERY_HUB,
) -> Alert:
    """Someone is on it. Acknowledging twice is harmless; a resolved alert cannot be."""
    alert = get_alert(session, org_id=org_id, alert_id=alert_id, scope=scope)
    if alert.status is AlertStatus.RESOLVED:
        raise Conflict(f"alert {alert_id} is already resolved")
    if alert.status is AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
    if note:
        alert.note = note
    session.flush()
    return alert


def resolve(
    session: Session,
    *,
    org_id: uuid.UUID,
    alert_id: uuid.UUID,
    actor: str,
    note: str | None,
    now: datetime,
    scope: HubScope = EVERY_HUB,
) -> Alert:
    alert = get_alert(session, org_id=org_id, alert_id=alert_id, scope=scope)
    if alert.status is AlertStatus.RESOLVED:
        raise Conflict(f"alert {alert_id} is already resolved (by {alert.resolved_by})")
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.resolved_by = actor
    if note:
        alert.note = note
    session.flush()
    return alert


def vouched_devices(session: Session, *, alert: Alert) -> list[str]:
    """The devices a resolved spoofing alert vouches for (its driver's): their tracks are
    trusted again at once (`ingest.trust_events`). None for any other alert."""
    if alert.kind != AlertKind.SPOOFED_LOCATION or alert.driver_id is None:
        return []
    found = fleet.device_ids_by_driver(session=session, driver_ids=[alert.driver_id])
    return found.get(alert.driver_id, [])


def list_alerts(
    session: Session,
    *,
    org_id: uuid.UUID,
    statuses: Iterable[AlertStatus] = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
    kind: AlertKind | None = None,
    driver_id: uuid.UUID | None = None,
    limit: int = 100,
    scope: HubScope = EVERY_HUB,
) -> list[Alert]:
    """Newest first, only those the caller's `scope` sees."""
    query = select(Alert).where(Alert.org_id == org_id, Alert.status.in_(list(statuses)))
    query = _in_scope(query, scope)
    if kind is not None:
        query = query.where(Alert.kind == kind.value)
    if driver_id is not None:
        query = query.where(Alert.driver_id == driver_id)
    return list(session.scalars(query.order_by(Alert.opened_at.desc()).limit(limit)))


def _in_scope(query: Select[Alert], scope: HubScope) -> Select[Alert]:
    """Alerts about the scope's hubs' routes or shipments, or about a driver who drove from
    them (an alert with neither route nor shipment)."""
    if not scope.limited:
        return query
    on_route = scope.where(select(Route.id).where(Route.id == Alert.route_id), Route.hub_id)
    for_shipment = scope.where(
        select(Shipment.id).where(Shipment.id == Alert.shipment_id), Shipment.hub_id
    )
    their_drivers = scope.where(select(Route.driver_id), Route.hub_id)
    about_driver = and_(
        Alert.route_id.is_(None), Alert.shipment_id.is_(None), Alert.driver_id.in_(their_drivers)
    )
    return query.where(or_(on_route.exists(), for_shipment.exists(), about_driver))


def thresholds_for(session: Session, *, org_id: uuid.UUID) -> AlertThresholds:
    row = session.scalar(select(AlertSettings).where(AlertSettings.org_id == org_id))
    return AlertThresholds(**(row.thresholds if row else {}))


def update_thresholds(
    session: Session, *, org_id: uuid.UUID, changes: dict[str, Any]
) -> AlertThresholds:
    """Merge `changes` into the organisation's thresholds; a bad value names its field."""
    row = session.scalar(select(AlertSettings).where(AlertSettings.org_id == org_id))
    merged = {**(row.thresholds if row else {}), **changes}
    try:
        thresholds = AlertThresholds(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "thresholds"
        raise InvalidInput(field, first["msg"]) from exc
    stored = thresholds.model_dump(mode="json", include=set(merged))
    if row is None:
        session.add(AlertSettings(org_id=org_id, thresholds=stored))
    else:
        row.thresholds = stored
    session.flush()
    return thresholds
