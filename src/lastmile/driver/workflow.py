"""The driver's day: today's route, arrive, deliver, fail; the caller owns the transaction."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.driver import hooks, outcomes
from lastmile.driver.outcomes import OPEN_STOP, Reported, Where
from lastmile.errors import Conflict, InvalidInput, LastmileError, NotFound
from lastmile.eta.engine import EtaEngine
from lastmile.hubs.models import Hub
from lastmile.orgsettings.driver_app import DriverAppSettings
from lastmile.payments.service import payment_of
from lastmile.pod import service as pod
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status


class MissingProof(LastmileError):
    """Completing a stop before its proof rules are met; names what is missing."""

    status = 422
    title = "Proof of delivery missing"
    slug = "missing-proof"


def todays_route(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, now: datetime
) -> Route:
    """The route in progress, else the next planned one (from yesterday on), else today's.

    A route is dated at its hub's clock, so "today" is read there: from 00:00 to 02:00 in
    Helsinki the UTC date is still yesterday's, and in the Americas it is already tomorrow's.
    """
    base = select(Route).where(Route.org_id == org_id, Route.driver_id == driver_id)
    running = session.scalar(
        base.where(Route.status == RouteStatus.IN_PROGRESS).order_by(Route.date.desc())
    )
    if running is not None:
        return running
    # A hub's day is at most a day either side of UTC's: two days back holds its yesterday.
    earliest = now.astimezone(UTC).date() - timedelta(days=2)
    rows = session.execute(
        select(Route, Hub.timezone)
        .join(Hub, Hub.id == Route.hub_id)
        .where(Route.org_id == org_id, Route.driver_id == driver_id, Route.date >= earliest)
        .order_by(Route.date, Route.planned_start)
    ).all()
    dated = [(route, hub_today(now, timezone)) for route, timezone in rows]
    for route, today in dated:
        if route.status is RouteStatus.PLANNED and route.date >= today - timedelta(days=1):
            return route
    done = [route for route, today in dated if route.date == today]
    if not done:
        raise NotFound("you have no route today")
    return done[-1]


def hub_today(now: datetime, timezone: str) -> date:
    """The date `now` falls on at a hub's clock.

    >>> hub_today(datetime(2026, 12, 7, 22, 30, tzinfo=UTC), "Europe/Helsinki")
    datetime.date(2026, 12, 8)
    >>> hub_today(datetime(2026, 12, 8, 0, 30, tzinfo=UTC), "America/New_York")
    datetime.date(2026, 12, 7)
    """
    return now.astimezone(ZoneInfo(timezone)).date()


def driver_stop(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, stop_id: uuid.UUID
) -> tuple[RouteStop, Shipment, Route]:
    """One of the driver's own stops; any other stop is 404, exactly like a missing one."""
    row = session.execute(
        select(RouteStop, Shipment, Route)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .join(Route, Route.id == RouteStop.route_id)
        .where(
            RouteStop.org_id == org_id,
            RouteStop.id == stop_id,
            Route.driver_id == driver_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"no stop {stop_id} on your routes")
    return row[0], row[1], row[2]


def _open(stop: RouteStop, route: Route) -> None:
    if route.status is not RouteStatus.IN_PROGRESS:
        raise Conflict(f"route {route.id} is {route.status}: start it first")
    if stop.status not in OPEN_STOP:
        raise Conflict(f"stop {stop.id} is already {stop.status}")


def open_stop(*, stop: RouteStop, route: Route) -> None:
    """Refuse proofs and payments for a stop that is finished or whose route is not running."""
    _open(stop, route)


def arrive(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    where: Where,
    actor: str,
) -> Reported:
    """The driver is at the door; the shipment is `arriving`. Arriving twice changes nothing.

    A shipment that cannot be `arriving` (flagged `exception` by a dispatcher, say) keeps
    its status; the stop still records that the driver got there. The caller runs the
    returned `publish` once committed (the Control Tower hears of the arrival).
    """
    _open(stop, route)
    unchanged = Reported(shipment, shipment.status, stop, route)
    if stop.status is StopStatus.ARRIVED:
        return unchanged
    reported = unchanged
    if shipment.status is Status.OUT_FOR_DELIVERY:
        reported = outcomes.report(
            session=session,
            org_id=stop.org_id,
            tracking_number=shipment.tracking_number,
            status=Status.ARRIVING,
            actor=actor,
            where=where,
            note="driver at the address",
            eta_engine=None,  # an arrival closes no stop: nothing to recompute
        )
    # Arrived already by the report above, unless the shipment could not be `arriving`.
    arrived = outcomes.mark_arrived(session=session, stop=stop, at=where.at or utcnow())
    session.flush()
    return Reported(shipment, reported.previous, stop, route, [*reported.publish, *arrived])


def deliver(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    settings: DriverAppSettings,
    where: Where,
    actor: str,
    eta_engine: EtaEngine,
    note: str | None = None,
) -> Reported:
    """Delivered, once the stop's proof rules are met and any cash on delivery is recorded;
    the driver's `note` goes on the timeline and is kept for the next driver to the address."""
    _open(stop, route)
    status = pod.status_of(pod.proofs_of(session=session, stop_ids=[stop.id])[stop.id])
    lacking = pod.missing(settings.proof_rules, status, shipment)
    if shipment.cod_amount is not None and payment_of(session=session, stop_id=stop.id) is None:
        lacking.append("payment")
    if lacking:
        raise MissingProof(f"this delivery still needs: {', '.join(lacking)}")
    reported = outcomes.report(
        session=session,
        org_id=stop.org_id,
        tracking_number=shipment.tracking_number,
        status=Status.DELIVERED,
        actor=actor,
        where=where,
        note=note,
        eta_engine=eta_engine,
    )
    if note and stop.status is StopStatus.COMPLETED:
        hooks.delivery_noted(
            session, shipment=shipment, note=note, actor=actor, at=stop.finished_at or utcnow()
        )
    return reported


def fail(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    settings: DriverAppSettings,
    reason: str,
    note: str | None,
    where: Where,
    actor: str,
    eta_engine: EtaEngine,
) -> Reported:
    """Not delivered, for one of the organisation's reasons; the shipment is `attempted`."""
    codes = [r.code for r in settings.failure_reasons]
    if reason not in codes:
        raise InvalidInput("reason", f"is {reason!r}: use one of {', '.join(codes)}")
    _open(stop, route)
    return outcomes.report(
        session=session,
        org_id=stop.org_id,
        tracking_number=shipment.tracking_number,
        status=Status.ATTEMPTED,
        actor=actor,
        where=where,
        reason=reason,
        note=note,
        eta_engine=eta_engine,
    )
