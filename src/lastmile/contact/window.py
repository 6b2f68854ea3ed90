"""When a shipment's customer thread is open: while on its way, and an hour after the stop."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import LABELS, Status

OPEN_AFTER_STOP = timedelta(hours=1)
ON_THE_WAY = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVING})
AFTER_STOP = {Status.DELIVERED: "the delivery", Status.ATTEMPTED: "the delivery attempt"}
BEFORE_WAY = frozenset({Status.CREATED, Status.AT_HUB})


@dataclass(frozen=True, slots=True)
class ThreadState:
    """Open or not; when closed, why in words; when open after the stop, until when."""

    open: bool
    reason: str | None = None
    closes_at: datetime | None = None


def status_since(shipment: Shipment, events: list[ShipmentEvent]) -> datetime | None:
    """When the shipment entered its current status: the first event of the last run of it
    (a repeat of the same status, such as a recipient's reschedule, does not move it).

    Runs follow the order events were recorded in: a late event's own time may fall before
    others (a phone's delivery sent after the order was received).
    """
    since = None
    for event in sorted(events, key=lambda e: (e.recorded_at or e.at, e.id or 0)):
        if event.status is not shipment.status:
            since = None
        elif since is None:
            since = event.at
    return since


def thread_state(shipment: Shipment, events: list[ShipmentEvent], now: datetime) -> ThreadState:
    """The thread opens while the parcel is out for delivery or arriving, and
    closes `OPEN_AFTER_STOP` after a delivery or an attempt.

    >>> from datetime import UTC
    >>> parcel = Shipment(status=Status.AT_HUB)
    >>> thread_state(parcel, [], datetime(2026, 12, 7, tzinfo=UTC)).reason
    'Messages open once your parcel is out for delivery.'
    """
    status = shipment.status
    if status in ON_THE_WAY:
        return ThreadState(True)
    if status in AFTER_STOP:
        since = status_since(shipment, events)
        closes = (since or shipment.updated_at) + OPEN_AFTER_STOP
        if now < closes:
            return ThreadState(True, closes_at=closes)
        return ThreadState(False, f"Messages closed an hour after {AFTER_STOP[status]}.")
    if status in BEFORE_WAY:
        return ThreadState(False, "Messages open once your parcel is out for delivery.")
    return ThreadState(False, f"Messages are closed: your parcel is {LABELS[status].lower()}.")
