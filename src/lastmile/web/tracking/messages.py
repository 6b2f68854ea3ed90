"""`/t/{token}/messages`: the customer's thread with their driver, for this link's shipment
only (the whole `/t/` path is rate limited per address)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lastmile.api.deps import SessionDep
from lastmile.bus.from_thread import publish_from_thread
from lastmile.contact import service
from lastmile.contact.models import Party
from lastmile.contact.schemas import CustomerMessageIn, ThreadMessageOut, ThreadOut
from lastmile.contact.views import publisher, thread_out
from lastmile.db import utcnow
from lastmile.errors import NotFound
from lastmile.web.tracking import access
from lastmile.web.tracking.access import Refusal, Tracked

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _tracked(session: SessionDep, token: str) -> Tracked:
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        raise NotFound("no parcel is tracked under this link (or it has expired)")
    return found


@router.get("/t/{token}/messages")
def customer_thread(token: str, session: SessionDep) -> JSONResponse:
    """The thread as the customer reads it: "You", "Your driver Anna", "Delivery team"."""
    tracked = _tracked(session, token)
    out: ThreadOut = thread_out(session, tracked.shipment, Party.CUSTOMER)
    return JSONResponse(out.model_dump(mode="json"), headers=NO_STORE)


@router.post("/t/{token}/messages", status_code=201)
def customer_post(
    token: str, body: CustomerMessageIn, request: Request, session: SessionDep
) -> JSONResponse:
    """A message to the driver while the thread is open; 409 `thread-closed` says why not."""
    tracked = _tracked(session, token)
    message = service.post(
        session=session,
        shipment=tracked.shipment,
        party=Party.CUSTOMER,
        body=body.body,
        client_id=body.client_id,
    )
    out = ThreadMessageOut.of(service.shown(message, Party.CUSTOMER))
    publish = publisher(request, message)
    session.commit()
    publish_from_thread(publish, what="a customer's message")
    return JSONResponse(out.model_dump(mode="json"), status_code=201, headers=NO_STORE)
