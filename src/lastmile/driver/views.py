"""HTTP routes of the driver app: today's route, the path to the next stop, arrive, deliver,
fail. Every write is an exactly-once action (see `action_views`)."""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.fields import Latitude, Longitude
from lastmile.api.problems import COMMON_PROBLEMS, problem_responses
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, driver_actor
from lastmile.bus.base import Bus
from lastmile.config import Settings
from lastmile.db import utcnow
from lastmile.dispatch import audit_subjects as dispatch_subjects
from lastmile.dispatch import service
from lastmile.dispatch.models import Route, RouteStop
from lastmile.dispatch.route_events import announce_route_changes
from lastmile.dispatch.views import NetworkDep
from lastmile.driver import departure, outcomes, workflow
from lastmile.driver.action_views import AfterCommit, apply_once
from lastmile.driver.route import route_out, stops_out
from lastmile.driver.schemas import (
    ActionIn,
    DeliverIn,
    FailIn,
    PathOut,
    RouteOut,
    StopActionOut,
)
from lastmile.driver_auth.deps import DriverDep, DriverPrincipal
from lastmile.errors import NotFound
from lastmile.eta.deps import EtaEngineDep
from lastmile.orgsettings.driver_app import DriverAppSettings, read_settings
from lastmile.routing import polyline
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import RoutingError
from lastmile.shipments.live import publish_status
from lastmile.shipments.models import Shipment

router = APIRouter(tags=["driver app"], responses=COMMON_PROBLEMS)

HereLat = Annotated[Latitude | None, Query(description="The phone's latitude, for the geofence")]
HereLon = Annotated[Longitude | None, Query(description="The phone's longitude")]


def _here(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return (lat, lon) if lat is not None and lon is not None else None


def _where(action: ActionIn) -> outcomes.Where:
    position = action.position
    return outcomes.Where(
        at=action.at,
        lat=position.lat if position else None,
        lon=position.lon if position else None,
    )


def _status_updates(
    bus: Bus, changed: Sequence[Shipment], at: datetime
) -> Callable[[], list[AfterCommit]]:
    """Once committed: one status message per shipment, read from the committed rows."""

    def updates() -> list[AfterCommit]:
        messages = [(shipment.id, shipment.status.value) for shipment in changed]
        return [_publisher(bus, shipment_id, status, at) for shipment_id, status in messages]

    return updates


def _publisher(bus: Bus, shipment_id: uuid.UUID, status: str, at: datetime) -> AfterCommit:
    async def publish() -> None:
        await publish_status(bus, shipment_id=shipment_id, status=status, at=at)

    return publish


def masked_calls(settings: Settings) -> bool:
    """Calls go through the server: the app gets no customer number to show or dial."""
    return settings.call_masking != "off"


def _route(session: Session, driver: DriverPrincipal) -> Route:
    return workflow.todays_route(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, now=utcnow()
    )


@router.get("/api/v1/driver/route")
def todays_route(
    driver: DriverDep,
    session: SessionDep,
    settings: SettingsDep,
    lat: HereLat = None,
    lon: HereLon = None,
) -> RouteOut:
    """The route in progress (else the next planned one): ordered stops, progress, geometry."""
    return route_out(
        session=session,
        route=_route(session, driver),
        settings=read_settings(session=session, org_id=driver.org_id),
        geofence_m=settings.driver_geofence_m,
        hide_phone=masked_calls(settings),
        here=_here(lat, lon),
    )


@router.get("/api/v1/driver/route/path")
def path_to_next_stop(
    driver: DriverDep,
    session: SessionDep,
    network: NetworkDep,
    lat: Latitude,
    lon: Longitude,
) -> PathOut:
    """The road path from the phone to the next open stop; a straight line without a map."""
    route = _route(session, driver)
    for stop, shipment in service.route_stops(session=session, route=route):
        if stop.status in outcomes.OPEN_STOP and shipment.lat is not None:
            assert shipment.lon is not None
            points = [(lat, lon), (shipment.lat, shipment.lon)]
            source = "straight_line" if isinstance(network, HaversineNetwork) else "road"
            try:
                path = network.route(points)
            except RoutingError:
                path = HaversineNetwork().route(points)
                source = "straight_line"
            return PathOut(
                stop_id=stop.id,
                polyline6=path.polyline6 or polyline.encode(points),
                distance_m=path.distance_m,
                duration_s=path.duration_s,
                source=source,
            )
    raise NotFound("no open stop with a position on your route")


@router.post("/api/v1/driver/route/start", response_model=RouteOut)
def start_route(
    body: ActionIn, request: Request, driver: DriverDep, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Leave the hub: the route is in progress and its shipments are out for delivery."""
    route = _route(session, driver)

    def apply() -> RouteOut:
        started = departure.leave_hub(
            session=session,
            org_id=driver.org_id,
            route_id=route.id,
            actor=driver.actor,
            now=min(body.at, utcnow()),
        )
        audit_log.record(  # inside the action: a replay records nothing twice
            session=session,
            org_id=driver.org_id,
            actor=driver_actor(driver_id=driver.driver_id, name=driver.name),
            action=Action.ROUTE_START,
            subject=dispatch_subjects.route(session, started),
            before={"status": "planned", "started_at": None},
            after=dispatch_subjects.route_state(started),
        )
        return route_out(
            session=session,
            route=started,
            settings=read_settings(session=session, org_id=driver.org_id),
            geofence_m=settings.driver_geofence_m,
            hide_phone=masked_calls(settings),
        )

    changed = [s for _, s in service.route_stops(session=session, route=route)]
    response = apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="route.start",
        target=str(route.id),
        apply=apply,
        after_commit=_status_updates(request.app.state.bus, changed, body.at),
    )
    announce_route_changes(request.app.state.bus, route)
    return response


def stop_answer(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    app_settings: DriverAppSettings,
    geofence_m: float,
    hide_phone: bool = False,
) -> StopActionOut:
    """What a stop action answers: the stop as the app shows it, the route's and parcel's
    status."""
    shown = stops_out(
        session=session,
        stops=[(stop, shipment)],
        settings=app_settings,
        geofence_m=geofence_m,
        here=None,
        hide_phone=hide_phone,
    )[0]
    return StopActionOut(
        stop=shown, route_status=route.status, shipment_status=shipment.status.value
    )


StopRunner = Callable[[RouteStop, Shipment, Route, DriverAppSettings], object]


def _stop_action(
    *,
    request: Request,
    session: Session,
    settings: Settings,
    driver: DriverPrincipal,
    stop_id: uuid.UUID,
    body: ActionIn,
    kind: str,
    run: StopRunner,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    stop, shipment, route = workflow.driver_stop(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, stop_id=stop_id
    )
    app_settings = read_settings(session=session, org_id=driver.org_id)
    bus: Bus = request.app.state.bus
    later: list[AfterCommit] = []

    def apply() -> StopActionOut:
        outcome = run(stop, shipment, route, app_settings)
        if isinstance(outcome, outcomes.Reported):
            later.extend(partial(job, bus) for job in outcome.publish)
        return stop_answer(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            app_settings=app_settings,
            geofence_m=settings.driver_geofence_m,
            hide_phone=masked_calls(settings),
        )

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind=kind,
        target=str(stop_id),
        apply=apply,
        extra=extra,
        after_commit=lambda: [*_status_updates(bus, [shipment], body.at)(), *later],
    )


@router.post("/api/v1/driver/stops/{stop_id}/arrive", response_model=StopActionOut)
def arrive(
    stop_id: uuid.UUID,
    body: ActionIn,
    request: Request,
    driver: DriverDep,
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """At the door (the app suggests it inside the geofence); the shipment is `arriving`."""

    def run(stop: RouteStop, shipment: Shipment, route: Route, _: DriverAppSettings) -> object:
        return workflow.arrive(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            where=_where(body),
            actor=driver.actor,
        )

    return _stop_action(
        request=request,
        session=session,
        settings=settings,
        driver=driver,
        stop_id=stop_id,
        body=body,
        kind="stop.arrive",
        run=run,
    )


@router.post(
    "/api/v1/driver/stops/{stop_id}/deliver",
    response_model=StopActionOut,
    responses=problem_responses(422),
)
def deliver(
    stop_id: uuid.UUID,
    body: DeliverIn,
    request: Request,
    driver: DriverDep,
    session: SessionDep,
    settings: SettingsDep,
    eta_engine: EtaEngineDep,
) -> JSONResponse:
    """Delivered; 422 `missing-proof` names what the stop's proof rules still need."""

    def run(
        stop: RouteStop, shipment: Shipment, route: Route, app_settings: DriverAppSettings
    ) -> object:
        return workflow.deliver(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            settings=app_settings,
            where=_where(body),
            actor=driver.actor,
            eta_engine=eta_engine,
            note=body.note,
        )

    return _stop_action(
        request=request,
        session=session,
        settings=settings,
        driver=driver,
        stop_id=stop_id,
        body=body,
        kind="stop.deliver",
        run=run,
    )


@router.post("/api/v1/driver/stops/{stop_id}/fail", response_model=StopActionOut)
def fail(
    stop_id: uuid.UUID,
    body: FailIn,
    request: Request,
    driver: DriverDep,
    session: SessionDep,
    settings: SettingsDep,
    eta_engine: EtaEngineDep,
) -> JSONResponse:
    """Not delivered, with one of the organisation's reasons; the shipment is `attempted`."""

    def run(
        stop: RouteStop, shipment: Shipment, route: Route, app_settings: DriverAppSettings
    ) -> object:
        return workflow.fail(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            settings=app_settings,
            reason=body.reason,
            note=body.note,
            where=_where(body),
            actor=driver.actor,
            eta_engine=eta_engine,
        )

    return _stop_action(
        request=request,
        session=session,
        settings=settings,
        driver=driver,
        stop_id=stop_id,
        body=body,
        kind="stop.fail",
        run=run,
    )
