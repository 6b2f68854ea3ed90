"""HTTP route of the driver app's "Address wrong: the door is here" (an exactly-once action,
queued offline like the others)."""

import uuid
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lastmile.addresses.deps import GeocoderDep
from lastmile.alerts.live import publish_alerts
from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.bus.base import Bus
from lastmile.driver import workflow
from lastmile.driver.action_views import AfterCommit, apply_once
from lastmile.driver.address_report import report_address_wrong
from lastmile.driver.schemas import AddressWrongIn, StopActionOut
from lastmile.driver.views import masked_calls, stop_answer
from lastmile.driver_auth.deps import DriverDep
from lastmile.orgsettings.driver_app import read_settings
from lastmile.shipments.correction_events import publish_correction

router = APIRouter(tags=["driver app"], responses=COMMON_PROBLEMS)


@router.post("/api/v1/driver/stops/{stop_id}/address-wrong", response_model=StopActionOut)
def address_wrong(
    stop_id: uuid.UUID,
    body: AddressWrongIn,
    request: Request,
    driver: DriverDep,
    session: SessionDep,
    settings: SettingsDep,
    geocoder: GeocoderDep,
) -> JSONResponse:
    """The door is where the phone is: the pin moves there, the point is learned for the
    address, and the dispatcher is alerted (`address_wrong`, naming driver and order)."""
    stop, shipment, route = workflow.driver_stop(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, stop_id=stop_id
    )
    bus: Bus = request.app.state.bus
    later: list[AfterCommit] = []

    def apply() -> StopActionOut:
        report = report_address_wrong(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            driver_id=driver.driver_id,
            driver_name=driver.name,
            door=(body.position.lat, body.position.lon),
            note=body.note,
            at=body.at,
            geocoder=geocoder,
        )
        later.append(partial(publish_alerts, bus, org_id=driver.org_id, messages=report.alerts))
        if report.moved:
            later.append(partial(publish_correction, bus, shipment))
        return stop_answer(
            session=session,
            stop=stop,
            shipment=shipment,
            route=route,
            app_settings=read_settings(session=session, org_id=driver.org_id),
            geofence_m=settings.driver_geofence_m,
            hide_phone=masked_calls(settings),
        )

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="stop.address_wrong",
        target=str(stop_id),
        apply=apply,
        after_commit=lambda: later,
    )
