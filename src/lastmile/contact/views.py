"""HTTP routes of customer threads for the driver app (per stop, exactly once) and the
dispatchers (per shipment, per driver); the customer's side is on the tracking page."""

import uuid

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS, problem_responses
from lastmile.auth.deps import PrincipalDep, StaffDep
from lastmile.contact import live, service
from lastmile.contact.calls import call_masker
from lastmile.contact.models import CustomerMessage, Party
from lastmile.contact.schemas import (
    CallOut,
    DriverMessageIn,
    DriverThreadMessageOut,
    StaffMessageIn,
    ThreadMessageOut,
    ThreadOut,
)
from lastmile.db import utcnow
from lastmile.driver.action_views import AfterCommit, apply_once
from lastmile.driver.workflow import driver_stop
from lastmile.driver_auth.deps import DriverDep, DriverPrincipal
from lastmile.errors import Conflict
from lastmile.fleet.models import Driver
from lastmile.hubs.access import HubScopeDep, scope_of
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment

router = APIRouter(tags=["customer messages"], responses=COMMON_PROBLEMS)
CLOSED = problem_responses(409)


def thread_out(session: Session, shipment: Shipment, viewer: Party) -> ThreadOut:
    """The thread as `viewer` reads it, with whether it is open now."""
    state = service.state_of(session=session, shipment=shipment, now=utcnow())
    messages = service.thread(session=session, shipment=shipment)
    can_call = viewer is Party.DRIVER and bool(shipment.recipient_phone)
    return ThreadOut.of(state, [service.shown(m, viewer) for m in messages], can_call=can_call)


def publisher(request: Request, message: CustomerMessage) -> AfterCommit:
    """The live copies of a committed message (read now, while its row is loaded)."""
    data = live.payload(message)
    org_id, driver_id = message.org_id, message.driver_id
    bus = request.app.state.bus

    async def publish() -> None:
        await live.publish(bus, org_id=org_id, driver_id=driver_id, data=data)

    return publish


def _stop_shipment(session: Session, driver: DriverPrincipal, stop_id: uuid.UUID) -> Shipment:
    _, shipment, _ = driver_stop(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, stop_id=stop_id
    )
    return shipment


@router.get("/api/v1/driver/stops/{stop_id}/customer-messages")
def driver_thread(stop_id: uuid.UUID, driver: DriverDep, session: SessionDep) -> ThreadOut:
    """The customer's thread of one of the driver's stops; the customer shows as "Customer"."""
    return thread_out(session, _stop_shipment(session, driver, stop_id), Party.DRIVER)


@router.post(
    "/api/v1/driver/stops/{stop_id}/customer-messages",
    status_code=201,
    response_model=ThreadMessageOut,
    responses=CLOSED,
)
def driver_post(
    stop_id: uuid.UUID,
    body: DriverMessageIn,
    request: Request,
    driver: DriverDep,
    session: SessionDep,
) -> JSONResponse:
    """A message (or a quick reply) to the stop's customer; 409 `thread-closed` says why not."""
    shipment = _stop_shipment(session, driver, stop_id)
    posted: list[CustomerMessage] = []

    def apply() -> ThreadMessageOut:
        message = service.post(
            session=session,
            shipment=shipment,
            party=Party.DRIVER,
            body=body.body,
            at=body.at,
            client_id=body.action_id,
            driver_id=driver.driver_id,
        )
        posted.append(message)
        return ThreadMessageOut.of(service.shown(message, Party.DRIVER))

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="customer.message",
        target=str(stop_id),
        apply=apply,
        status_code=201,
        after_commit=lambda: [publisher(request, posted[0])],
    )


@router.post("/api/v1/driver/stops/{stop_id}/call", responses=problem_responses(409))
def driver_call(
    stop_id: uuid.UUID, driver: DriverDep, session: SessionDep, settings: SettingsDep
) -> CallOut:
    """Ring the driver's phone and the customer's through the provider: no number is shown.

    Only while the customer thread is open; 409 when masked calls are off or a number is
    missing.
    """
    shipment = _stop_shipment(session, driver, stop_id)
    masker = call_masker(settings)
    if masker is None:
        raise Conflict("calls through Lastmile are not set up: send the customer a message")
    state = service.state_of(session=session, shipment=shipment, now=utcnow())
    if not state.open:
        raise service.ThreadClosed(state.reason or "this stop is closed for calls")
    if not shipment.recipient_phone:
        raise Conflict("the customer left no phone number: send them a message instead")
    driver_phone = session.scalar(
        select(Driver.phone).where(Driver.org_id == driver.org_id, Driver.id == driver.driver_id)
    )
    if not driver_phone:
        raise Conflict("your phone number is not on file: ask the dispatcher to add it")
    bridge = masker.bridge(
        shipment_id=shipment.id, driver_phone=driver_phone, customer_phone=shipment.recipient_phone
    )
    return CallOut(reference=bridge.reference, message=bridge.message)


@router.get("/api/v1/shipments/{tracking_number}/customer-messages")
def staff_thread(
    tracking_number: str, session: SessionDep, principal: PrincipalDep, scope: HubScopeDep
) -> ThreadOut:
    """A shipment's customer thread as a dispatcher reads it."""
    shipment = shipments.get_shipment(
        session=session, org_id=principal.org_id, tracking_number=tracking_number, scope=scope
    )
    return thread_out(session, shipment, Party.DISPATCHER)


@router.post(
    "/api/v1/shipments/{tracking_number}/customer-messages", status_code=201, responses=CLOSED
)
async def staff_post(
    tracking_number: str,
    body: StaffMessageIn,
    request: Request,
    principal: StaffDep,
) -> ThreadMessageOut:
    """A dispatcher writes to the customer (shown to them as "Delivery team")."""

    def save() -> tuple[ThreadMessageOut, AfterCommit]:
        with request.app.state.db.session() as session:
            scope = scope_of(session=session, role=principal.role, user_id=principal.user_id)
            shipment = shipments.get_shipment(
                session=session,
                org_id=principal.org_id,
                tracking_number=tracking_number,
                scope=scope,
            )
            message = service.post(
                session=session, shipment=shipment, party=Party.DISPATCHER, body=body.body
            )
            session.commit()
            out = ThreadMessageOut.of(service.shown(message, Party.DISPATCHER))
            return out, publisher(request, message)

    out, publish = await anyio.to_thread.run_sync(save)
    await publish()
    return out


@router.get("/api/v1/drivers/{driver_id}/customer-messages")
def staff_driver_threads(
    driver_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, scope: HubScopeDep
) -> list[DriverThreadMessageOut]:
    """The last day's customer messages about the shipments a driver has now, oldest first,
    each with its shipment's tracking number (the Control Tower's panel)."""
    found = service.driver_threads(
        session=session, org_id=principal.org_id, driver_id=driver_id, now=utcnow(), scope=scope
    )
    return [
        DriverThreadMessageOut(
            **ThreadMessageOut.of(service.shown(m, Party.DISPATCHER)).model_dump(),
            tracking_number=number,
        )
        for m, number in found
    ]
