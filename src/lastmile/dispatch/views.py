"""HTTP routes: plans and the day's routes."""

import uuid
from collections.abc import Sequence
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from sqlalchemy.orm import Session

from lastmile.api.deps import NowDep, SessionDep
from lastmile.api.fields import Day
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import PrincipalDep, StaffDep
from lastmile.bus.from_thread import publish_from_thread
from lastmile.config import Settings
from lastmile.db.contention import reading
from lastmile.dispatch import audit_subjects as dispatch_subjects
from lastmile.dispatch import flows, service
from lastmile.dispatch.edit_etas import EditEtas, EditEtasDep
from lastmile.dispatch.handover import handover_warning
from lastmile.dispatch.models import Route
from lastmile.dispatch.route_events import announce_route_changes
from lastmile.dispatch.schemas import (
    CommitOut,
    InsertShipment,
    MoveStop,
    PlanCreate,
    PlanOut,
    ReorderStops,
    RouteOut,
    UnplannedOrderOut,
    UnplannedOut,
)
from lastmile.dispatch.unplanned import plain_reason, unplanned
from lastmile.hubs import service as hubs
from lastmile.hubs.access import HubScopeDep
from lastmile.hubs.scope import HubScope
from lastmile.routing.maps import open_network
from lastmile.routing.network import RoadNetwork
from lastmile.shipments import audit_subjects as shipments_subjects
from lastmile.shipments import service as shipments
from lastmile.types import StopEta

router = APIRouter(tags=["dispatch"], responses=COMMON_PROBLEMS)


def app_network(app: FastAPI) -> RoadNetwork:
    """The configured map, opened once per app (straight lines when it has no tiles)."""
    network: RoadNetwork | None = getattr(app.state, "road_network", None)
    if network is None:
        settings: Settings = app.state.settings
        network = open_network(settings.data_dir, settings.map_name)
        app.state.road_network = network
    return network


def _network(request: Request) -> RoadNetwork:
    return app_network(request.app)


NetworkDep = Annotated[RoadNetwork, Depends(_network)]


def _route_out(session: Session, route: Route, warning: str | None = None) -> RouteOut:
    out = RouteOut.of(route, service.route_stops(session=session, route=route))
    return out if warning is None else out.model_copy(update={"warnings": [warning]})


def _announce(
    request: Request, routes: Sequence[Route], etas: list[StopEta], edit_etas: EditEtas
) -> None:
    """Once an edit committed: the drivers' apps and contexts hear of it, the customers of
    the stops it re-timed get their new ETAs."""
    announce_route_changes(request.app.state.bus, *routes)
    if etas:
        publish_from_thread(
            partial(edit_etas.publish, request.app.state.bus, etas), what=f"{len(etas)} ETAs"
        )


@router.post("/api/v1/plans", status_code=status.HTTP_201_CREATED)
def create_plan(
    body: PlanCreate, session: SessionDep, principal: StaffDep, network: NetworkDep
) -> PlanOut:
    with reading():
        plan = service.solve_plan(
            session=session,
            org_id=principal.org_id,
            hub_id=body.hub_id,
            day=body.date,
            network=network,
            driver_ids=body.driver_ids,
            vehicle_ids=body.vehicle_ids,
            time_limit_s=body.time_limit_s,
        )
    session.commit()  # ends the reads: the plan was solved without holding the write lock
    service.save_plan(session=session, plan=plan)
    session.commit()
    return PlanOut.of(plan)


@router.get("/api/v1/plans/{plan_id}")
def get_plan(plan_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> PlanOut:
    return PlanOut.of(service.get_plan(session=session, org_id=principal.org_id, plan_id=plan_id))


@router.post("/api/v1/plans/{plan_id}/commit")
def commit_plan(
    plan_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    network: NetworkDep,
) -> CommitOut:
    routes = service.commit_plan(
        session=session, org_id=principal.org_id, plan_id=plan_id, network=network
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.PLAN_COMMIT,
        subject=dispatch_subjects.plan(
            session, service.get_plan(session=session, org_id=principal.org_id, plan_id=plan_id)
        ),
        after={"routes": [dispatch_subjects.route_label(session, r) for r in routes]},
    )
    session.commit()
    announce_route_changes(request.app.state.bus, *routes)
    plan = service.get_plan(session=session, org_id=principal.org_id, plan_id=plan_id)
    return CommitOut(plan=PlanOut.of(plan), routes=[_route_out(session, r) for r in routes])


@router.post("/api/v1/plans/{plan_id}/discard")
def discard_plan(plan_id: uuid.UUID, session: SessionDep, principal: StaffDep) -> PlanOut:
    plan = service.discard_plan(session=session, org_id=principal.org_id, plan_id=plan_id)
    audit_log.record(  # only a draft is discarded
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.PLAN_DISCARD,
        subject=dispatch_subjects.plan(session, plan),
        before={"status": "draft"},
        after={"status": plan.status},
    )
    session.commit()
    return PlanOut.of(plan)


@router.get("/api/v1/routes")
def list_routes(
    session: SessionDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
    day: Annotated[Day | None, Query(alias="date")] = None,
    driver_id: uuid.UUID | None = None,
) -> list[RouteOut]:
    """The routes, by day and start (a dispatcher limited to some hubs: theirs only)."""
    routes = service.list_routes(
        session=session, org_id=principal.org_id, day=day, driver_id=driver_id, scope=scope
    )
    return [_route_out(session, route) for route in routes]


@router.get("/api/v1/routes/{route_id}")
def get_route(
    route_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, scope: HubScopeDep
) -> RouteOut:
    route = service.get_route(
        session=session, org_id=principal.org_id, route_id=route_id, scope=scope
    )
    return _route_out(session, route)


@router.post("/api/v1/routes/{route_id}/reorder")
def reorder_stops(
    route_id: uuid.UUID,
    request: Request,
    body: ReorderStops,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    network: NetworkDep,
    at: NowDep,
    edit_etas: EditEtasDep,
) -> RouteOut:
    before = dispatch_subjects.stop_order(session, route_id)
    route = flows.reorder_stops(
        session=session,
        org_id=principal.org_id,
        scope=scope,
        route_id=route_id,
        stop_ids=body.stop_ids,
        network=network,
        now=at,
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.ROUTE_REORDER,
        subject=dispatch_subjects.route(session, route),
        before={"stops": before},
        after={"stops": dispatch_subjects.stop_order(session, route.id)},
    )
    etas = edit_etas.refresh(session, routes=[route], now=at)
    session.commit()
    _announce(request, [route], etas, edit_etas)
    return _route_out(session, route)


@router.post("/api/v1/routes/{route_id}/stops/{stop_id}/move")
def move_stop(
    route_id: uuid.UUID,
    request: Request,
    stop_id: uuid.UUID,
    body: MoveStop,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    network: NetworkDep,
    at: NowDep,
    edit_etas: EditEtasDep,
) -> list[RouteOut]:
    """Move a stop; a parcel that may be in the first van already gets a warning (on the
    route it left: `warnings`) saying to arrange the hand-over."""
    warning = _warning(session, principal.org_id, route_id, stop_id, body.to_route_id, scope)
    source, target = flows.move_stop(
        session=session,
        org_id=principal.org_id,
        scope=scope,
        route_id=route_id,
        stop_id=stop_id,
        to_route_id=body.to_route_id,
        position=body.position,
        network=network,
        actor=principal.actor,
        now=at,
    )
    moved = dispatch_subjects.stop_shipment(session, org_id=principal.org_id, stop_id=stop_id)
    assert moved is not None  # the move found it
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.STOP_MOVE,
        subject=shipments_subjects.shipment(moved),
        before=dispatch_subjects.route_place(session, source),
        after=dispatch_subjects.route_place(session, target),
    )
    etas = edit_etas.refresh(session, routes=[source, target], now=at)
    session.commit()
    _announce(request, [source, target], etas, edit_etas)
    return [_route_out(session, source, warning), _route_out(session, target)]


@router.delete("/api/v1/routes/{route_id}/stops/{stop_id}")
def unassign_stop(
    route_id: uuid.UUID,
    request: Request,
    stop_id: uuid.UUID,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    network: NetworkDep,
    at: NowDep,
    edit_etas: EditEtasDep,
    force: Annotated[
        bool, Query(description="Take off a shipment already out for delivery (an exception)")
    ] = False,
) -> RouteOut:
    taken = dispatch_subjects.stop_shipment(session, org_id=principal.org_id, stop_id=stop_id)
    warning = _warning(session, principal.org_id, route_id, stop_id, None, scope)
    route = flows.unassign_stop(
        session=session,
        org_id=principal.org_id,
        scope=scope,
        route_id=route_id,
        stop_id=stop_id,
        network=network,
        actor=principal.actor,
        force=force,
        now=at,
    )
    assert taken is not None  # the route had the stop
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.STOP_UNASSIGN,
        subject=shipments_subjects.shipment(taken),
        before=dispatch_subjects.route_place(session, route),
        after={"route": None},
    )
    etas = edit_etas.refresh(session, routes=[route], now=at)
    session.commit()
    _announce(request, [route], etas, edit_etas)
    return _route_out(session, route, warning)


@router.post("/api/v1/routes/{route_id}/insert")
def insert_shipment(
    route_id: uuid.UUID,
    request: Request,
    body: InsertShipment,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    network: NetworkDep,
    at: NowDep,
    edit_etas: EditEtasDep,
) -> RouteOut:
    route = flows.insert_shipment(
        session=session,
        org_id=principal.org_id,
        scope=scope,
        route_id=route_id,
        tracking_number=body.shipment,
        network=network,
        actor=principal.actor,
        now=at,
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.STOP_INSERT,
        subject=shipments_subjects.shipment(
            shipments.get_shipment(
                session=session, org_id=principal.org_id, tracking_number=body.shipment
            )
        ),
        before={"route": None},
        after=dispatch_subjects.route_place(session, route),
    )
    etas = edit_etas.refresh(session, routes=[route], now=at)
    session.commit()
    _announce(request, [route], etas, edit_etas)
    return _route_out(session, route)


def _warning(
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    to_route_id: uuid.UUID | None,
    scope: HubScope,
) -> str | None:
    """The hand-over to arrange, read before the edit (which the edit then checks in full)."""
    route = service.get_route(session=session, org_id=org_id, route_id=route_id, scope=scope)
    to_route = (
        None
        if to_route_id is None
        else service.get_route(session=session, org_id=org_id, route_id=to_route_id, scope=scope)
    )
    return handover_warning(session=session, route=route, stop_id=stop_id, to_route=to_route)


@router.get("/api/v1/hubs/{hub_id}/unplanned")
def list_unplanned(
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    hub_id: uuid.UUID,
    day: Annotated[Day, Query(alias="date")],
) -> UnplannedOut:
    """The hub's orders for the day that no route carries yet, with why the latest plan left
    each out (none: the next plan will try it)."""
    hub = hubs.get_hub(session=session, org_id=principal.org_id, hub_id=hub_id, scope=scope)
    found = unplanned(session=session, org_id=principal.org_id, hub_id=hub.id, day=day)
    return UnplannedOut(
        hub_id=hub.id,
        date=day,
        count=len(found.orders),
        plan_id=found.plan_id,
        planned_at=found.planned_at,
        orders=[
            UnplannedOrderOut(
                shipment_id=item.shipment.id,
                tracking_number=item.shipment.tracking_number,
                recipient=item.shipment.recipient_name,
                address=item.shipment.address_text,
                parcel_count=item.shipment.parcel_count,
                window_start=item.shipment.window_start,
                window_end=item.shipment.window_end,
                reason=item.reason,
                why=plain_reason(item.reason) if item.reason else None,
                message=item.message,
            )
            for item in found.orders
        ],
    )
