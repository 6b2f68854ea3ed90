"""The scheduled detectors: GPS lost (and found again), late risk, SLA breach and orders a
committed plan left off.

A sweep reads the whole fleet's state from the database, so any one process can run it; alert
keys make a second process's sweep update the same alerts rather than duplicate them.
"""

import asyncio
import logging
import uuid
from collections import defaultdict
from datetime import datetime

import anyio
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts import service
from lastmile.alerts.detectors.gps_lost import LastContact, check_gps_lost
from lastmile.alerts.detectors.lateness import check_late_risk, check_sla_breach
from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.alerts.models import Alert, AlertStatus
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.alerts.unplanned import unplanned_alerts
from lastmile.bus.base import Bus
from lastmile.db import Database, utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.eta.models import StopEtaRow
from lastmile.fleet.models import Shift
from lastmile.ingest.models import DriverPosition
from lastmile.shipments.models import Shipment

log = logging.getLogger(__name__)

Messages = dict[uuid.UUID, list[dict[str, object]]]


class _Thresholds:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_org: dict[uuid.UUID, AlertThresholds] = {}

    def __call__(self, org_id: uuid.UUID) -> AlertThresholds:
        if org_id not in self._by_org:
            self._by_org[org_id] = service.thresholds_for(self.session, org_id=org_id)
        return self._by_org[org_id]


def _gps_lost(session: Session, now: datetime, thresholds: _Thresholds) -> Messages:
    changed: Messages = defaultdict(list)
    rows = session.execute(
        select(Shift, DriverPosition)
        .outerjoin(DriverPosition, DriverPosition.driver_id == Shift.driver_id)
        .where(Shift.ended_at.is_(None))
    ).all()
    for shift, position in rows:
        if position is None or position.at < shift.started_at:
            last = LastContact(str(shift.driver_id), shift.started_at, None, None, None)
        else:
            last = LastContact(
                str(shift.driver_id),
                position.at,
                position.lat,
                position.lon,
                position.speed_mps,
                position.battery_pct,
            )
        signal = check_gps_lost(last, now=now, on_shift=True, thresholds=thresholds(shift.org_id))
        if signal is not None:
            for alert in service.apply_signals(
                session,
                org_id=shift.org_id,
                signals=[signal],
                subject=Subject(driver_id=shift.driver_id),
            ):
                changed[shift.org_id].append(alert_message(alert))
    return changed


def _gps_found(session: Session) -> Messages:
    """Close GPS-lost alerts of drivers whose phones have spoken since."""
    changed: Messages = defaultdict(list)
    open_alerts = session.scalars(
        select(Alert).where(
            Alert.kind == AlertKind.GPS_LOST.value,
            Alert.status != AlertStatus.RESOLVED,
            Alert.cleared_at.is_(None),
        )
    ).all()
    for alert in open_alerts:
        position = session.get(DriverPosition, alert.driver_id) if alert.driver_id else None
        last_fix_at = str(alert.details.get("last_fix_at", ""))
        if position is None or position.at.isoformat() <= last_fix_at:
            continue
        clear = Signal.clear(AlertKind.GPS_LOST, alert.key, position.at)
        for cleared in service.apply_signals(
            session, org_id=alert.org_id, signals=[clear], subject=Subject()
        ):
            changed[alert.org_id].append(alert_message(cleared))
    return changed


def _lateness(session: Session, now: datetime, thresholds: _Thresholds) -> Messages:
    changed: Messages = defaultdict(list)
    rows = session.execute(
        select(
            RouteStop.id,
            Route.org_id,
            Route.id,
            Route.driver_id,
            Shipment.id,
            Shipment.window_end,
            StopEtaRow.eta,
        )
        .join(Route, Route.id == RouteStop.route_id)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .outerjoin(StopEtaRow, StopEtaRow.stop_id == RouteStop.id)
        .where(
            Route.status == RouteStatus.IN_PROGRESS,
            RouteStop.status.in_([StopStatus.PENDING, StopStatus.ARRIVED]),
        )
    ).all()
    at_risk = set(
        session.scalars(
            select(Alert.key).where(
                Alert.kind == AlertKind.LATE_RISK.value,
                Alert.cleared_at.is_(None),
                Alert.status != AlertStatus.RESOLVED,
            )
        )
    )
    for stop_id, org_id, route_id, driver_id, shipment_id, window_end, eta in rows:
        signals: list[Signal] = []
        breach = check_sla_breach(stop_id=str(stop_id), window_end=window_end, now=now, done=False)
        if breach is not None:
            signals.append(breach)
        if eta is not None and breach is None:
            risk = check_late_risk(
                stop_id=str(stop_id),
                eta=eta,
                window_end=window_end,
                now=now,
                thresholds=thresholds(org_id),
            )
            if risk is not None and (risk.raised or risk.key in at_risk):
                signals.append(risk)
        if not signals:
            continue
        subject = Subject(driver_id=driver_id, route_id=route_id, shipment_id=shipment_id)
        for alert in service.apply_signals(
            session, org_id=org_id, signals=signals, subject=subject
        ):
            changed[org_id].append(alert_message(alert))
    return changed


def sweep(session: Session, *, now: datetime) -> Messages:
    """Run every scheduled detector once; returns the changed alerts' messages by organisation."""
    thresholds = _Thresholds(session)
    merged: Messages = defaultdict(list)
    for part in (
        _gps_found(session),
        _gps_lost(session, now, thresholds),
        _lateness(session, now, thresholds),
        unplanned_alerts(session, now=now),
    ):
        for org_id, messages in part.items():
            merged[org_id] += messages
    return merged


async def sweep_loop(database: Database, bus: Bus, *, every_s: float = 30.0) -> None:
    """Sweep forever; a failed sweep is logged and the next one runs on time."""

    def run_once() -> Messages:
        with database.session(writes=True) as session:
            messages = sweep(session, now=utcnow())
            session.commit()
            return messages

    while True:
        await asyncio.sleep(every_s)
        try:
            messages = await anyio.to_thread.run_sync(run_once)
            for org_id, batch in messages.items():
                await publish_alerts(bus, org_id=org_id, messages=batch)
        except Exception:
            log.exception("alert sweep failed")
