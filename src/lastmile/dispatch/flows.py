"""A dispatcher's edits to committed routes: move, reorder, unassign, insert a late order.

Each edit touches only pending stops, re-times the routes it changed, checks them again with
the independent `planning.checker` and refuses (409) a result that breaks a window, the
shift, a capacity or a skill, leaving everything as it was.
"""

import dataclasses
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.dispatch.service import PLANNABLE, get_route, route_stops
from lastmile.dispatch.status import record_status
from lastmile.dispatch.timing import done_count, geometry, model_route, present, retime, verify
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.fleet import service as fleet
from lastmile.hubs import service as hubs
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.planning.insertion import Inserted, insert_order
from lastmile.routing.network import RoadNetwork
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status

log = logging.getLogger(__name__)

UNASSIGNED_REASON = "unassigned by dispatcher"
RESCHEDULED_ACTOR = "system: moved to another day"


def _editable(session: Session, org_id: uuid.UUID, route_id: uuid.UUID, scope: HubScope) -> Route:
    route = get_route(session=session, org_id=org_id, route_id=route_id, scope=scope)
    if route.status is RouteStatus.COMPLETED:
        raise Conflict(f"route {route.id} is completed: it can no longer change")
    return route


def _retime(
    session: Session,
    route: Route,
    stops: Sequence[tuple[RouteStop, Shipment]],
    network: RoadNetwork,
    now: datetime | None,
) -> None:
    hub = hubs.get_hub(session=session, org_id=route.org_id, hub_id=route.hub_id)
    vehicle = fleet.get_vehicle(session=session, org_id=route.org_id, vehicle_id=route.vehicle_id)
    moment = now or utcnow()
    retime(route=route, hub=hub, vehicle=vehicle, stops=stops, network=network, now=moment)
    verify(route=route, hub=hub, vehicle=vehicle, stops=stops, network=network, now=moment)


def _pending_stop(
    stops: Sequence[tuple[RouteStop, Shipment]], stop_id: uuid.UUID
) -> tuple[RouteStop, Shipment]:
    for pair in stops:
        if pair[0].id == stop_id:
            if pair[0].status is not StopStatus.PENDING:
                raise Conflict(f"stop {stop_id} is {pair[0].status}: only pending stops change")
            return pair
    raise NotFound(f"no stop {stop_id} on this route")


def _send_out(session: Session, route: Route, shipment: Shipment, actor: str) -> None:
    if route.status is RouteStatus.IN_PROGRESS and shipment.status is not Status.OUT_FOR_DELIVERY:
        record_status(
            session=session,
            org_id=route.org_id,
            tracking_number=shipment.tracking_number,
            status=Status.OUT_FOR_DELIVERY,
            actor=actor,
            note="added to a driver's route already under way",
        )


def reorder_stops(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    stop_ids: Sequence[uuid.UUID],
    network: RoadNetwork,
    now: datetime | None = None,
    scope: HubScope = EVERY_HUB,
) -> Route:
    """Put the pending stops in the given order; the stops already made stay first."""
    route = _editable(session, org_id, route_id, scope)
    stops = route_stops(session=session, route=route)
    done = done_count(stops)
    pending = {stop.id: (stop, shipment) for stop, shipment in stops[done:]}
    if sorted(stop_ids) != sorted(pending) or len(set(stop_ids)) != len(stop_ids):
        raise InvalidInput(
            "stop_ids",
            f"must list each of the route's {len(pending)} pending stops exactly once",
        )
    _retime(session, route, [*stops[:done], *(pending[i] for i in stop_ids)], network, now)
    session.flush()
    return route


def unassign_stop(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    network: RoadNetwork,
    actor: str,
    force: bool = False,
    now: datetime | None = None,
    scope: HubScope = EVERY_HUB,
) -> Route:
    """Take a pending stop off its route; its shipment has no driver again.

    A shipment already out for delivery is on the van: taking it off needs `force`, and then
    an `exception` event says it needs attention rather than leaving it out with no driver.
    """
    route = _editable(session, org_id, route_id, scope)
    stops = route_stops(session=session, route=route)
    stop, shipment = _pending_stop(stops, stop_id)
    if shipment.status is Status.OUT_FOR_DELIVERY and not force:
        raise Conflict(
            f"shipment {shipment.tracking_number} is out for delivery on route {route.id}:"
            " unassign it with force=true to record an exception"
        )
    rest = [pair for pair in stops if pair[0].id != stop_id]
    _retime(session, route, rest, network, now)
    if shipment.status is Status.OUT_FOR_DELIVERY:
        record_status(
            session=session,
            org_id=org_id,
            tracking_number=shipment.tracking_number,
            status=Status.EXCEPTION,
            actor=actor,
            reason=UNASSIGNED_REASON,
            note="taken off the driver's route",
        )
    shipment.driver_id = None
    session.delete(stop)
    session.flush()
    return route


def move_stop(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    to_route_id: uuid.UUID,
    position: int | None,
    network: RoadNetwork,
    actor: str,
    now: datetime | None = None,
    scope: HubScope = EVERY_HUB,
) -> tuple[Route, Route]:
    """Move a pending stop to another route of the same hub and day, at `position` among its
    pending stops or, without one, where it adds the least driving."""
    source = _editable(session, org_id, route_id, scope)
    target = _editable(session, org_id, to_route_id, scope)
    if target.id == source.id:
        raise InvalidInput("to_route_id", "is the stop's own route: reorder it instead")
    if (target.hub_id, target.date) != (source.hub_id, source.date):
        raise InvalidInput("to_route_id", f"route {target.id} is for another hub or day")
    stops = route_stops(session=session, route=source)
    moved = _pending_stop(stops, stop_id)
    target_stops = route_stops(session=session, route=target)
    placed = _place(session, target, target_stops, moved[1], position, network, now)
    _retime(session, source, [pair for pair in stops if pair[0].id != stop_id], network, now)
    moved[0].route_id = target.id
    # Scanned onto the other van: this one's driver has still to load it (a hand-over).
    moved[0].loaded_at = None
    _retime(session, target, _swap(placed, moved), network, now)
    moved[1].driver_id = target.driver_id
    _send_out(session, target, moved[1], actor)
    session.flush()
    return source, target


def insert_shipment(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    tracking_number: str,
    network: RoadNetwork,
    actor: str,
    now: datetime | None = None,
    scope: HubScope = EVERY_HUB,
) -> Route:
    """Put a same-day order into the route where it adds the least driving and still fits."""
    route = _editable(session, org_id, route_id, scope)
    shipment = shipments.get_shipment(
        session=session, org_id=org_id, tracking_number=tracking_number, scope=scope
    )
    if shipment.hub_id != route.hub_id or shipment.delivery_date != route.date:
        raise InvalidInput(
            "shipment", f"{shipment.tracking_number} is not for this route's hub and day"
        )
    if shipment.driver_id is not None or shipment.status not in PLANNABLE:
        raise Conflict(
            f"shipment {shipment.tracking_number} is {shipment.status} and"
            f"{' already assigned' if shipment.driver_id else ' not plannable'}"
        )
    stops = route_stops(session=session, route=route)
    new_stop = RouteStop(
        org_id=org_id,
        route_id=route.id,
        shipment_id=shipment.id,
        sequence=len(stops),
        planned_arrival=route.planned_end,
        planned_departure=route.planned_end,
        status=StopStatus.PENDING,
    )
    placed = _place(session, route, stops, shipment, None, network, now)
    ordered = _swap(placed, (new_stop, shipment))
    _retime(session, route, ordered, network, now)
    session.add(new_stop)
    shipment.driver_id = route.driver_id
    _send_out(session, route, shipment, actor)
    session.flush()
    return route


def _place(
    session: Session,
    route: Route,
    stops: list[tuple[RouteStop, Shipment]],
    shipment: Shipment,
    position: int | None,
    network: RoadNetwork,
    now: datetime | None,
) -> list[tuple[RouteStop | None, Shipment]]:
    """The route's stops with the shipment (as `None`) at its place among the pending ones."""
    done = done_count(stops)
    pending = len(stops) - done
    if position is not None:
        if not 0 <= position <= pending:
            raise InvalidInput("position", f"is {position}: the route has {pending} pending stops")
        at = done + position
        return [*stops[:at], (None, shipment), *stops[at:]]
    hub = hubs.get_hub(session=session, org_id=route.org_id, hub_id=route.hub_id)
    vehicle = fleet.get_vehicle(session=session, org_id=route.org_id, vehicle_id=route.vehicle_id)
    candidate: list[tuple[RouteStop | None, Shipment]] = [*stops, (None, shipment)]
    model = model_route(route=route, hub=hub, vehicle=vehicle, stops=candidate, network=network)
    if route.status is RouteStatus.PLANNED and not done:
        now_s = 0.0
        planned = model.planned
    else:
        # From where the driver is, not from the plan: a late start or a slow stop has
        # moved everything after it.
        here = present(route=route, model=model, stops=stops, now=now or utcnow())
        now_s = here.depart_s
        start_s = model.planned.start_s if here.route_start_s is None else here.route_start_s
        planned = dataclasses.replace(model.planned, start_s=start_s)
    result = insert_order(
        problem=model.problem,
        route=planned,
        order=model.orders[-1],
        completed_stops=done,
        now_s=now_s,
    )
    if not isinstance(result, Inserted):
        raise Conflict(result.message)
    return [*stops[: result.position], (None, shipment), *stops[result.position :]]


def _swap(
    placed: list[tuple[RouteStop | None, Shipment]], stop: tuple[RouteStop, Shipment]
) -> list[tuple[RouteStop, Shipment]]:
    ordered: list[tuple[RouteStop, Shipment]] = []
    for existing, shipment in placed:
        ordered.append(stop if existing is None else (existing, shipment))
    return ordered


def retime_corrected(
    *,
    session: Session,
    org_id: uuid.UUID,
    shipment_id: uuid.UUID,
    network: RoadNetwork,
    now: datetime | None = None,
) -> Route | None:
    """Re-time the route whose pending stop is this corrected shipment's, to its new point;
    None when it is on no open route. An order the new point cannot keep (a window, the
    shift) keeps its old times, logged, and only the path is drawn again: the correction
    stands, and the dispatcher sees the stop where it now is. A shipment moved to another
    day leaves the route (as an unassign: out for delivery, it becomes an exception to handle),
    so the driver's list and the board no longer show it today."""
    found = session.execute(
        select(Route)
        .join(RouteStop, RouteStop.route_id == Route.id)
        .where(
            RouteStop.org_id == org_id,
            RouteStop.shipment_id == shipment_id,
            RouteStop.status == StopStatus.PENDING,
            Route.status != RouteStatus.COMPLETED,
        )
    ).scalar()
    if found is None:
        return None
    stops = route_stops(session=session, route=found)
    moved_day = next(
        (
            stop
            for stop, shipment in stops
            if shipment.id == shipment_id and shipment.delivery_date != found.date
        ),
        None,
    )
    if moved_day is not None:
        return unassign_stop(
            session=session,
            org_id=org_id,
            route_id=found.id,
            stop_id=moved_day.id,
            network=network,
            actor=RESCHEDULED_ACTOR,
            force=True,
            now=now,
        )
    try:
        with session.begin_nested():
            _retime(session, found, stops, network, now)
    except Conflict as refused:
        log.warning("corrected shipment %s: times kept (%s)", shipment_id, refused.detail)
        hub = hubs.get_hub(session=session, org_id=org_id, hub_id=found.hub_id)
        found.polyline6 = geometry(network, hub, [shipment for _, shipment in stops])
    session.flush()
    return found
