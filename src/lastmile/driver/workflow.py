"""The driver's day: today's route, arrive, deliver, fail; the caller owns the transaction."""

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.driver import hooks, outcomes
from lastmile.driver.outcomes import OPEN_STOP, Reported, Where
from lastmile.errors import Conflict, InvalidInput, LastmileError, NotFound
from lastmile.eta.engine import EtaEngine
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
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, today: date
) -> Route:
    """The route in progress, else the next planned one (from yesterday on), else today's."""
    base = select(Route).where(Route.org_id == org_id, Route.driver_id == driver_id)
    running = session.scalar(
        base.where(Route.status == RouteStatus.IN_PROGRESS).order_by(Route.date.desc())
    )
    if running is not None:
        return running
    planned = session.scalar(
        base.where(
            Route.status == RouteStatus.PLANNED, Route.date >= today - timedelta(days=1)
        ).order_by(Route.date, Route.planned_start)
    )
    if planned is not None:
        return planned
    done = session.scalar(base.where(Route.date == today).order_by(Route.planned_start.desc()))
    if done is None:
        raise NotFound("you have no route today")
    return done


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
