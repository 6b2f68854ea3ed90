"""Closing a route whose day is over while stops are still open.

It happens when a driver ends the shift early (after confirming in the app) or, for a driver
who never ends it, in the end-of-day sweep. Every open stop is handed back through
`outcomes.report`, so its shipment reads `returned_to_hub` (never a stale "Out for
delivery"), the route completes with its last stop, and a dispatcher alert says how many
stops were left. What then happens to the parcels is the organisation's setting
(`DriverAppSettings.open_stops_at_shift_end`): back in today's planning pool, or moved to
the next day's.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts import service as alerts
from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.alerts.signals import AlertKind, Signal
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, Actor
from lastmile.bus.base import Bus
from lastmile.dispatch import audit_subjects as dispatch_subjects
from lastmile.dispatch.models import Route, RouteStatus, RouteStop
from lastmile.dispatch.route_events import publish_route_changes
from lastmile.dispatch.service import route_stops
from lastmile.driver import hooks, outcomes
from lastmile.errors import Conflict
from lastmile.fleet import service as fleet
from lastmile.fleet.models import Shift
from lastmile.orgsettings.driver_app import OpenStopsAtShiftEnd, read_settings
from lastmile.shipments.live import publish_status
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status, is_allowed

HANDED_BACK = "handed back to the hub: the route closed with this stop open"


class OpenStopsLeft(Conflict):
    """Ending a shift with stops still open, without saying they go back to the hub."""

    slug = "open-stops"


@dataclass(frozen=True, slots=True)
class Closed:
    """A route closed early: the shipments handed back, and what to publish once committed."""

    route: Route
    handed_back: list[Shipment] = field(default_factory=list)
    publish: list[hooks.Publish] = field(default_factory=list)


def running_route(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID) -> Route | None:
    """The driver's route in progress, if any (the newest)."""
    return session.scalar(
        select(Route)
        .where(
            Route.org_id == org_id,
            Route.driver_id == driver_id,
            Route.status == RouteStatus.IN_PROGRESS,
        )
        .order_by(Route.date.desc(), Route.planned_start.desc())
        .limit(1)
    )


def open_stops(*, session: Session, route: Route) -> list[tuple[RouteStop, Shipment]]:
    return [
        (stop, shipment)
        for stop, shipment in route_stops(session=session, route=route)
        if stop.status in outcomes.OPEN_STOP
    ]


def close_route(
    *, session: Session, route: Route, actor: str, audited_as: Actor, at: datetime, why: str
) -> Closed:
    """Hand every open stop back to the hub, complete the route and alert the dispatcher;
    the audit log names `audited_as` (the driver, the dispatcher, or Lastmile's sweep)."""
    left = open_stops(session=session, route=route)
    before = {"status": route.status}
    mode = read_settings(session=session, org_id=route.org_id).open_stops_at_shift_end
    publish: list[hooks.Publish] = []
    for stop, shipment in left:
        publish += _hand_back(session, route, stop, shipment, actor=actor, at=at)
        shipment.driver_id = None
        if mode is OpenStopsAtShiftEnd.NEXT_DAY:
            shipment.delivery_date = route.date + timedelta(days=1)
    route.status = RouteStatus.COMPLETED
    session.flush()
    audit_log.record(
        session=session,
        org_id=route.org_id,
        actor=audited_as,
        action=Action.ROUTE_CLOSE,
        subject=dispatch_subjects.route(session, route),
        before=before,
        after={
            "status": route.status,
            "why": why,
            "handed_back": [s.tracking_number for _, s in left],
        },
    )
    messages: list[dict[str, Any]] = []
    if left:
        signal = Signal(
            kind=AlertKind.ROUTE_UNFINISHED,
            key=f"route_unfinished:{route.id}",
            raised=True,
            at=at,
            title=f"Route closed with {len(left)} stop{'s' if len(left) != 1 else ''} "
            f"not done ({why}): handed back to the hub",
            details={
                "why": why,
                "handed_back": [s.tracking_number for _, s in left],
                "then": mode.value,
            },
        )
        subject = alerts.Subject(driver_id=route.driver_id, route_id=route.id)
        changed = alerts.apply_signals(
            session, org_id=route.org_id, signals=[signal], subject=subject
        )
        messages = [alert_message(alert) for alert in changed]
    statuses = [(s.id, s.status.value) for _, s in left]

    async def announce(bus: Bus) -> None:
        for shipment_id, status in statuses:
            await publish_status(bus, shipment_id=shipment_id, status=status, at=at)
        if messages:
            await publish_alerts(bus, org_id=route.org_id, messages=messages)
        await publish_route_changes(bus, org_id=route.org_id, driver_ids=[route.driver_id])

    return Closed(route, [s for _, s in left], [*publish, announce])


def end_shift(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    odometer_km: float | None,
    hand_back_open_stops: bool,
    actor: str,
    audited_as: Actor,
    at: datetime,
) -> tuple[Shift, Closed | None]:
    """End the driver's shift; a route still running closes with it.

    Open stops are handed back only when the driver said so (`hand_back_open_stops`),
    otherwise `OpenStopsLeft` names how many are left and nothing changes.
    """
    route = running_route(session=session, org_id=org_id, driver_id=driver_id)
    closed = None
    if route is not None:
        left = len(open_stops(session=session, route=route))
        if left and not hand_back_open_stops:
            raise OpenStopsLeft(
                f"{left} stop{'s are' if left != 1 else ' is'} still open on the route: "
                "end the shift with `hand_back_open_stops` true to hand "
                f"{'them' if left != 1 else 'it'} back to the hub"
            )
        closed = close_route(
            session=session,
            route=route,
            actor=actor,
            audited_as=audited_as,
            at=at,
            why="shift ended",
        )
    shift = fleet.end_shift(
        session=session, org_id=org_id, driver_id=driver_id, odometer_km=odometer_km
    )
    shift.ended_at = max(at, shift.started_at)
    return shift, closed


def _hand_back(
    session: Session,
    route: Route,
    stop: RouteStop,
    shipment: Shipment,
    *,
    actor: str,
    at: datetime,
) -> list[hooks.Publish]:
    """One open stop back to the hub, through the one reporting function."""
    where = outcomes.Where(at=at)
    publish: list[hooks.Publish] = []
    if shipment.status is Status.ARRIVING:
        # The driver was at the door but never finished: that was an attempt.
        publish += outcomes.report(
            session=session,
            org_id=route.org_id,
            tracking_number=shipment.tracking_number,
            status=Status.ATTEMPTED,
            actor=actor,
            where=where,
            reason="route_closed",
            note=HANDED_BACK,
            eta_engine=None,  # the whole route is closing: no ETAs to keep
        ).publish
    if is_allowed(shipment.status, Status.RETURNED_TO_HUB):
        publish += outcomes.report(
            session=session,
            org_id=route.org_id,
            tracking_number=shipment.tracking_number,
            status=Status.RETURNED_TO_HUB,
            actor=actor,
            where=where,
            note=HANDED_BACK,
            eta_engine=None,
        ).publish
    if stop.status in outcomes.OPEN_STOP:
        publish += outcomes.close_stop(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            reason="route_closed",
            at=at,
        )
    return publish
