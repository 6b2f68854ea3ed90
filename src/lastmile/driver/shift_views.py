"""HTTP routes around the driver's shift: the app's settings, vehicles, shift start and end
(its GPS fixes go to `POST /api/v1/driver/fixes`, in `ingest.views`), and the two a dispatcher
may do for a driver, as the app would: record the departure, end the shift."""

import uuid
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lastmile.api.deps import NowDep, SessionDep
from lastmile.api.problems import COMMON_PROBLEMS, problem_responses
from lastmile.audit import service as audit_log
from lastmile.audit import subjects
from lastmile.audit.types import Action, actor_of, driver_actor
from lastmile.auth.deps import AdminDep, PrincipalDep, StaffDep
from lastmile.bus.base import Bus
from lastmile.bus.from_thread import publish_from_thread
from lastmile.db import utcnow
from lastmile.dispatch import audit_subjects as dispatch_subjects
from lastmile.dispatch import service as dispatch
from lastmile.dispatch.route_events import announce_route_changes
from lastmile.dispatch.schemas import RouteOut, StartRoute
from lastmile.driver import closing, departure
from lastmile.driver.action_views import apply_once
from lastmile.driver.schemas import ShiftEndIn, ShiftOut, ShiftStartIn, VehicleSuggestionOut
from lastmile.driver.vehicle_choice import suggested_vehicle
from lastmile.driver_auth.deps import DriverDep
from lastmile.fleet import audit_subjects as fleet_subjects
from lastmile.fleet import service as fleet
from lastmile.fleet.schemas import ShiftEnd, VehicleOut
from lastmile.fleet.schemas import ShiftOut as FleetShiftOut
from lastmile.orgsettings.driver_app import DriverAppSettings, read_settings, write_settings

router = APIRouter(tags=["driver app"], responses=COMMON_PROBLEMS)


@router.get("/api/v1/driver/settings")
def app_settings(driver: DriverDep, session: SessionDep) -> DriverAppSettings:
    """Failure reasons, proof rules and quick replies of the driver's organisation."""
    return read_settings(session=session, org_id=driver.org_id)


@router.get("/api/v1/driver-app/settings", tags=["driver app admin"])
def get_app_settings(principal: PrincipalDep, session: SessionDep) -> DriverAppSettings:
    return read_settings(session=session, org_id=principal.org_id)


@router.put("/api/v1/driver-app/settings", tags=["driver app admin"])
def put_app_settings(
    body: DriverAppSettings, principal: AdminDep, session: SessionDep
) -> DriverAppSettings:
    """Replace the organisation's failure reasons, proof rules and quick replies."""
    before = read_settings(session=session, org_id=principal.org_id)
    saved = write_settings(session=session, org_id=principal.org_id, settings=body)
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.DRIVER_APP_SETTINGS,
        subject=subjects.organization(principal.org_id),
        before=before.model_dump(mode="json"),
        after=saved.model_dump(mode="json"),
    )
    session.commit()
    return saved


@router.get("/api/v1/driver/vehicles")
def vehicles(driver: DriverDep, session: SessionDep) -> list[VehicleOut]:
    """The organisation's active vehicles, to choose one at the start of a shift."""
    found = fleet.list_vehicles(session=session, org_id=driver.org_id)
    return [VehicleOut.model_validate(v) for v in found if v.active]


@router.get("/api/v1/driver/vehicles/suggested")
def vehicle_suggested(driver: DriverDep, session: SessionDep) -> VehicleSuggestionOut:
    """The vehicle the shift form starts on: today's route's, else the one driven last."""
    return VehicleSuggestionOut(
        vehicle_id=suggested_vehicle(
            session=session, org_id=driver.org_id, driver_id=driver.driver_id, now=utcnow()
        )
    )


@router.get("/api/v1/driver/shift")
def current_shift(driver: DriverDep, session: SessionDep) -> ShiftOut | None:
    shift = fleet.current_shift(session=session, driver_id=driver.driver_id)
    return None if shift is None else ShiftOut.model_validate(shift)


@router.post("/api/v1/driver/shift/start", status_code=201, response_model=ShiftOut)
def start_shift(body: ShiftStartIn, driver: DriverDep, session: SessionDep) -> JSONResponse:
    def apply() -> ShiftOut:
        shift = fleet.start_shift(
            session=session,
            org_id=driver.org_id,
            driver_id=driver.driver_id,
            vehicle_id=body.vehicle_id,
            odometer_km=body.odometer_km,
        )
        shift.started_at = min(body.at, utcnow())
        return ShiftOut.model_validate(shift)

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="shift.start",
        target="",
        apply=apply,
        status_code=201,
    )


@router.post("/api/v1/driver/shift/end", response_model=ShiftOut, responses=problem_responses(409))
def end_shift(
    body: ShiftEndIn, request: Request, driver: DriverDep, session: SessionDep
) -> JSONResponse:
    """End the shift; a route still running closes with it. Stops still open need
    `hand_back_open_stops` (409 `open-stops` says how many): they go back to the hub, their
    customers see it, and the dispatcher gets an alert."""
    bus: Bus = request.app.state.bus
    closed: list[closing.Closed] = []

    def apply() -> ShiftOut:
        shift, route = closing.end_shift(
            session=session,
            org_id=driver.org_id,
            driver_id=driver.driver_id,
            odometer_km=body.odometer_km,
            hand_back_open_stops=body.hand_back_open_stops,
            actor=driver.actor,
            audited_as=driver_actor(driver_id=driver.driver_id, name=driver.name),
            at=min(body.at, utcnow()),
        )
        closed.extend([route] if route is not None else [])
        return ShiftOut.model_validate(shift)

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="shift.end",
        target="",
        apply=apply,
        after_commit=lambda: [partial(job, bus) for c in closed for job in c.publish],
    )


@router.post(
    "/api/v1/drivers/{driver_id}/shifts/end",
    tags=["fleet"],
    response_model=FleetShiftOut,
    responses=problem_responses(409),
)
def end_driver_shift(
    driver_id: uuid.UUID, body: ShiftEnd, request: Request, session: SessionDep, principal: StaffDep
) -> FleetShiftOut:
    """A dispatcher ends a driver's shift, as the app would: a route still running closes
    with it, and its open stops need `hand_back_open_stops` (409 `open-stops` otherwise)."""
    shift, closed = closing.end_shift(
        session=session,
        org_id=principal.org_id,
        driver_id=driver_id,
        odometer_km=body.odometer_km,
        hand_back_open_stops=body.hand_back_open_stops,
        actor=principal.actor,
        audited_as=actor_of(principal),
        at=utcnow(),
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.SHIFT_END,
        subject=fleet_subjects.driver(
            fleet.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
        ),
        after={"ended_at": shift.ended_at, "odometer_end_km": shift.odometer_end_km},
    )
    session.commit()
    bus: Bus = request.app.state.bus
    for job in closed.publish if closed is not None else []:
        publish_from_thread(partial(job, bus), what="a route closed with the shift")
    return FleetShiftOut.model_validate(shift)


# A dispatcher records the departure for the driver (the app's own is `/api/v1/driver/route/start`).


@router.post("/api/v1/routes/{route_id}/start", tags=["dispatch"])
def start_route(
    route_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    at: NowDep,
    body: StartRoute | None = None,
) -> RouteOut:
    route = departure.leave_hub(
        session=session,
        org_id=principal.org_id,
        route_id=route_id,
        actor=principal.actor,
        now=at,
        left_at=body.at if body else None,
    )
    audit_log.record(  # only a planned route starts: it was planned
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.ROUTE_START,
        subject=dispatch_subjects.route(session, route),
        before={"status": "planned", "started_at": None},
        after=dispatch_subjects.route_state(route),
    )
    session.commit()
    announce_route_changes(request.app.state.bus, route)
    return RouteOut.of(route, dispatch.route_stops(session=session, route=route))
