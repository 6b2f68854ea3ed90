"""One delivery, one record: every report of a delivery's progress goes through `report`.

The shipment's timeline owns the outcome: `report` appends the event (the status machine
refuses an illegal step) and, in the same transaction, moves the shipment's open route stop to
match, completes the route with its last stop and tells the other domains (`hooks`). The
driver app (after its proof rules), the shipment events API, bulk events and a cancellation
all call it, so the route stop can never say `pending` for a parcel the timeline calls
delivered. The caller owns the transaction and runs `Reported.publish` once committed.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.dispatch.service import route_stops
from lastmile.dispatch.status import record_status
from lastmile.driver import hooks
from lastmile.eta.engine import EtaEngine
from lastmile.pod import service as pod
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status

OPEN_STOP = (StopStatus.PENDING, StopStatus.ARRIVED)

AT_THE_DOOR = frozenset({Status.DELIVERED, Status.ATTEMPTED})
"""Outcomes the driver reports at the address, which the completion checks look at."""

# What each shipment status means for a stop still open on a route; the rest leave it open.
STOP_AFTER: dict[Status, StopStatus] = {
    Status.ARRIVING: StopStatus.ARRIVED,
    Status.DELIVERED: StopStatus.COMPLETED,
    Status.ATTEMPTED: StopStatus.FAILED,
    Status.RETURNED_TO_HUB: StopStatus.FAILED,
    Status.CANCELLED: StopStatus.FAILED,
}


@dataclass(frozen=True, slots=True)
class Where:
    """When and where a report was made (the phone's time and position, or the API's)."""

    at: datetime | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def position(self) -> tuple[float, float] | None:
        return (self.lat, self.lon) if self.lat is not None and self.lon is not None else None


@dataclass(frozen=True, slots=True)
class Reported:
    """A report applied: the shipment, its stop and route if it had an open one, and what
    to publish once committed."""

    shipment: Shipment
    previous: Status
    """The shipment's status before the report (what an audit of an override says it was)."""
    stop: RouteStop | None = None
    route: Route | None = None
    publish: list[hooks.Publish] = field(default_factory=list)


def open_stop_of(
    *, session: Session, org_id: uuid.UUID, shipment_id: uuid.UUID
) -> tuple[RouteStop, Route] | None:
    """The shipment's stop still open on a route that is not completed (the newest route)."""
    row = session.execute(
        select(RouteStop, Route)
        .join(Route, Route.id == RouteStop.route_id)
        .where(
            RouteStop.org_id == org_id,
            RouteStop.shipment_id == shipment_id,
            RouteStop.status.in_(OPEN_STOP),
            Route.status != RouteStatus.COMPLETED,
        )
        .order_by(Route.date.desc(), Route.planned_start.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def failed_stop_of(
    *, session: Session, org_id: uuid.UUID, shipment_id: uuid.UUID
) -> tuple[RouteStop, Route] | None:
    """The shipment's newest stop when it failed: the one an attempt turned delivered on
    the same trip closes as completed instead (its route may be completed already)."""
    row = session.execute(
        select(RouteStop, Route)
        .join(Route, Route.id == RouteStop.route_id)
        .where(RouteStop.org_id == org_id, RouteStop.shipment_id == shipment_id)
        .order_by(Route.date.desc(), Route.planned_start.desc())
        .limit(1)
    ).first()
    if row is None or row[0].status is not StopStatus.FAILED:
        return None
    return row[0], row[1]


def report(
    *,
    session: Session,
    org_id: uuid.UUID,
    tracking_number: str,
    status: Status,
    actor: str,
    where: Where = Where(),
    note: str | None = None,
    reason: str | None = None,
    eta_engine: EtaEngine | None,
) -> Reported:
    """Append `status` to the shipment's timeline and move its open route stop to match.

    A late event that does not become the shipment's current status leaves the stop alone:
    the stop follows the timeline's present, not its past. An attempt turned delivered (on
    the same trip) turns its failed stop completed. `eta_engine` recomputes the rest
    of the route's ETAs when the stop closes; None when the whole route is being closed.
    """
    recorded = record_status(
        session=session,
        org_id=org_id,
        tracking_number=tracking_number,
        status=status,
        actor=actor,
        at=where.at,
        note=note,
        reason=reason,
        lat=where.lat,
        lon=where.lon,
    )
    shipment, previous = recorded.shipment, recorded.previous
    target = STOP_AFTER.get(status)
    if target is None or shipment.status is not status:
        return Reported(shipment, previous)
    found = open_stop_of(session=session, org_id=org_id, shipment_id=shipment.id)
    if found is None and previous is Status.ATTEMPTED and status is Status.DELIVERED:
        found = failed_stop_of(session=session, org_id=org_id, shipment_id=shipment.id)
    if found is None:
        return Reported(shipment, previous)
    stop, route = found
    at = where.at or utcnow()
    if target is StopStatus.ARRIVED:
        arrived = mark_arrived(session=session, stop=stop, at=at)
        session.flush()
        return Reported(shipment, previous, stop, route, arrived)
    publish = _close(
        session,
        stop=stop,
        shipment=shipment,
        route=route,
        status=target,
        reason=reason or (None if status is Status.DELIVERED else status.value),
        at=at,
        position=where.position,
        at_the_door=status in AT_THE_DOOR,
        eta_engine=eta_engine,
    )
    return Reported(shipment, previous, stop, route, publish)


def mark_arrived(*, session: Session, stop: RouteStop, at: datetime) -> list[hooks.Publish]:
    """The driver is at the door, and what to publish once committed; arriving twice changes
    nothing and publishes nothing."""
    if stop.status is StopStatus.ARRIVED:
        return []
    stop.status = StopStatus.ARRIVED
    stop.arrived_at = at
    return hooks.stop_reached(session, stop=stop, at=at)


def close_stop(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    reason: str,
    at: datetime,
) -> list[hooks.Publish]:
    """Fail an open stop whose shipment's status cannot say so (handing back a parcel that
    a dispatcher flagged `exception`, say); its timeline keeps what it has."""
    return _close(
        session,
        stop=stop,
        shipment=shipment,
        route=route,
        status=StopStatus.FAILED,
        reason=reason,
        at=at,
        position=None,
        at_the_door=False,
        eta_engine=None,
    )


def _close(
    session: Session,
    *,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    status: StopStatus,
    reason: str | None,
    at: datetime,
    position: tuple[float, float] | None,
    at_the_door: bool,
    eta_engine: EtaEngine | None,
) -> list[hooks.Publish]:
    stop.status = status
    stop.failure_reason = reason if status is StopStatus.FAILED else None
    stop.finished_at = at
    pod.retire_code(session=session, stop=stop)
    if all(s.status not in OPEN_STOP for s, _ in route_stops(session=session, route=route)):
        route.status = RouteStatus.COMPLETED
    session.flush()
    publish = hooks.stop_finished(
        session,
        route=route,
        stop=stop,
        shipment=shipment,
        at=at,
        position=position,
        at_the_door=at_the_door,
        eta_engine=eta_engine,
    )
    session.flush()
    return publish
