"""HTTP routes that report a delivery's progress with an API key: one event, a batch, a
cancellation. Each goes through `outcomes.report`, as the driver app does, so the route stop
moves with the shipment."""

from collections.abc import Iterable
from functools import partial

from fastapi import APIRouter, Request, status

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep, StaffDep
from lastmile.bus.base import Bus
from lastmile.bus.from_thread import publish_from_thread
from lastmile.dispatch.schemas import BulkEventsIn, BulkEventsResult
from lastmile.driver import outcomes
from lastmile.driver.status_audit import report_override
from lastmile.errors import LastmileError
from lastmile.eta.deps import EtaEngineDep
from lastmile.shipments.live import announce_from_thread
from lastmile.shipments.schemas import CancelIn, EventIn, RowError, ShipmentDetail
from lastmile.shipments.status import Status
from lastmile.shipments.views import shipment_detail

router = APIRouter(prefix="/api/v1/shipments", tags=["shipments"], responses=COMMON_PROBLEMS)


def _where(body: EventIn) -> outcomes.Where:
    location = body.location
    return outcomes.Where(
        at=body.at, lat=location.lat if location else None, lon=location.lon if location else None
    )


def _announce(bus: Bus, reported: Iterable[outcomes.Reported]) -> None:
    """Once committed: each shipment's status, then the ETAs and alerts its stop changed."""
    done = list(reported)
    announce_from_thread(bus, [r.shipment for r in done])
    for job in (job for r in done for job in r.publish):
        publish_from_thread(partial(job, bus), what="the ETAs and alerts of a reported outcome")


@router.post("/{tracking_number}/events", status_code=status.HTTP_201_CREATED)
def post_event(
    tracking_number: str,
    body: EventIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    eta_engine: EtaEngineDep,
) -> ShipmentDetail:
    """A status change or a scan; late and out-of-order events take their place in time.

    `arriving`, `delivered`, `attempted`, `returned_to_hub` and `cancelled` also move the
    shipment's open route stop, exactly as the driver app would.
    """
    reported = report_override(
        session=session,
        principal=principal,
        tracking_number=tracking_number,
        status=body.status,
        where=_where(body),
        note=body.note,
        reason=body.reason,
        eta_engine=eta_engine,
    )
    session.commit()
    _announce(request.app.state.bus, [reported])
    return shipment_detail(session, reported.shipment, settings.public_url)


@router.post("/events/bulk")
def post_events(
    body: BulkEventsIn,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    eta_engine: EtaEngineDep,
) -> BulkEventsResult:
    """Up to 1,000 events, applied in order; a row that fails is named and the rest still apply."""
    applied: list[outcomes.Reported] = []
    errors: list[RowError] = []
    for index, event in enumerate(body.events):
        try:
            with session.begin_nested():
                reported = report_override(
                    session=session,
                    principal=principal,
                    tracking_number=event.tracking_number,
                    status=event.status,
                    where=_where(event),
                    note=event.note,
                    reason=event.reason,
                    eta_engine=eta_engine,
                )
                applied.append(reported)
        except LastmileError as error:
            fields = error.errors or []
            field = fields[0].field if fields else "tracking_number"
            errors.append(RowError(index=index, field=field, message=error.detail))
    session.commit()
    _announce(request.app.state.bus, applied)
    return BulkEventsResult(applied=len(applied), failed=len(errors), errors=errors)


@router.post("/{tracking_number}/cancel")
def cancel_shipment(
    tracking_number: str,
    body: CancelIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    eta_engine: EtaEngineDep,
) -> ShipmentDetail:
    """Cancelled for good; a stop still open on a route is closed with the reason."""
    reported = report_override(
        session=session,
        principal=principal,
        tracking_number=tracking_number,
        status=Status.CANCELLED,
        reason=body.reason,
        eta_engine=eta_engine,
    )
    session.commit()
    _announce(request.app.state.bus, [reported])
    return shipment_detail(session, reported.shipment, settings.public_url)
