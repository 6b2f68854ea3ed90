"""Reading and posting a shipment's customer thread; each party sees the others by role only."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.contact.models import CustomerMessage, Party
from lastmile.contact.window import ThreadState, thread_state
from lastmile.db import utcnow
from lastmile.dispatch.scope import get_scoped_driver
from lastmile.errors import Conflict, InvalidInput
from lastmile.fleet.models import Driver
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.shipments.models import Shipment
from lastmile.shipments.timeline import events_of

MAX_PAGE = 200
MAX_BODY = 1000
RECENT = timedelta(hours=24)


class ThreadClosed(Conflict):
    """The thread is not open now; the detail says why in words."""

    slug = "thread-closed"


@dataclass(frozen=True, slots=True)
class Shown:
    """A message as one party sees it: the author by role, never a number or an address."""

    id: uuid.UUID
    shipment_id: uuid.UUID
    party: Party
    mine: bool
    author: str
    body: str
    at: datetime
    recorded_at: datetime


def author_label(party: Party, first_name: str, viewer: Party) -> str:
    """ "You", "Your driver Anna", "Customer", "Dispatcher": what `viewer` reads as the author.

    >>> author_label(Party.DRIVER, "Anna", Party.CUSTOMER)
    'Your driver Anna'
    """
    if party is viewer and viewer is not Party.DISPATCHER:
        return "You"
    if party is Party.CUSTOMER:
        return "Customer"
    if party is Party.DISPATCHER:
        return "Delivery team" if viewer is Party.CUSTOMER else "Dispatcher"
    name = first_name or "driver"
    return f"Your driver {name}" if viewer is Party.CUSTOMER else f"Driver {name}"


def shown(message: CustomerMessage, viewer: Party) -> Shown:
    return Shown(
        id=message.id,
        shipment_id=message.shipment_id,
        party=message.party,
        mine=message.party is viewer,
        author=author_label(message.party, message.first_name, viewer),
        body=message.body,
        at=message.at,
        recorded_at=message.recorded_at,
    )


def state_of(*, session: Session, shipment: Shipment, now: datetime) -> ThreadState:
    return thread_state(shipment, events_of(session=session, shipment_id=shipment.id), now)


def first_name(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID | None) -> str:
    """A driver's first name, as the tracking page's driver card shows it."""
    if driver_id is None:
        return ""
    name = session.scalar(
        select(Driver.name).where(Driver.org_id == org_id, Driver.id == driver_id)
    )
    return name.split()[0] if name and name.split() else ""


def post(
    *,
    session: Session,
    shipment: Shipment,
    party: Party,
    body: str,
    now: datetime | None = None,
    at: datetime | None = None,
    client_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
) -> CustomerMessage:
    """Add a message while the thread is open (`ThreadClosed`, a 409, otherwise).

    A customer's resend with the same `client_id` answers the message already posted.
    `driver_id` is the writing driver (else the shipment's driver): whose app it goes to.
    """
    text = body.strip()
    if not text:
        raise InvalidInput("body", "write a message first")
    if len(text) > MAX_BODY:
        raise InvalidInput("body", f"is {len(text)} characters: at most {MAX_BODY}")
    if client_id is not None:
        earlier = session.scalar(
            select(CustomerMessage).where(
                CustomerMessage.org_id == shipment.org_id,
                CustomerMessage.shipment_id == shipment.id,
                CustomerMessage.client_id == client_id,
            )
        )
        if earlier is not None:
            return earlier
    moment = now or utcnow()
    state = state_of(session=session, shipment=shipment, now=moment)
    if not state.open:
        raise ThreadClosed(state.reason or "messages are closed for this parcel")
    writer = driver_id or shipment.driver_id
    message = CustomerMessage(
        org_id=shipment.org_id,
        shipment_id=shipment.id,
        party=party,
        driver_id=writer,
        first_name=(
            first_name(session=session, org_id=shipment.org_id, driver_id=writer)
            if party is Party.DRIVER
            else ""
        ),
        body=text,
        client_id=client_id,
        at=at or moment,
        recorded_at=moment,
    )
    session.add(message)
    session.flush()
    return message


def thread(*, session: Session, shipment: Shipment, limit: int = MAX_PAGE) -> list[CustomerMessage]:
    """The shipment's thread, oldest first (the newest `limit`)."""
    newest = (
        select(CustomerMessage)
        .where(
            CustomerMessage.org_id == shipment.org_id,
            CustomerMessage.shipment_id == shipment.id,
        )
        .order_by(CustomerMessage.recorded_at.desc(), CustomerMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(list(session.scalars(newest))))


def driver_threads(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    now: datetime,
    scope: HubScope = EVERY_HUB,
) -> list[tuple[CustomerMessage, str]]:
    """The last day's customer messages of the shipments a driver carries, with each
    shipment's tracking number (the Control Tower's panel beside the driver's chat); only
    those of shipments of the caller's `scope`, whose driver must be one of theirs."""
    get_scoped_driver(session=session, org_id=org_id, driver_id=driver_id, scope=scope)
    query = (
        select(CustomerMessage, Shipment.tracking_number)
        .join(Shipment, Shipment.id == CustomerMessage.shipment_id)
        .where(
            CustomerMessage.org_id == org_id,
            Shipment.org_id == org_id,
            CustomerMessage.driver_id == driver_id,
            CustomerMessage.recorded_at > now - RECENT,
        )
        .order_by(CustomerMessage.recorded_at.desc(), CustomerMessage.id.desc())
        .limit(MAX_PAGE)
    )
    query = scope.where(query, Shipment.hub_id)
    return [(message, number) for message, number in reversed(list(session.execute(query)))]
