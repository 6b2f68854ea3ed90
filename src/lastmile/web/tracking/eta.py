"""The ETA window as the page shows it, from the ETA work's contract."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lastmile.eta import current
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status
from lastmile.types import StopEta


@dataclass(frozen=True, slots=True)
class EtaView:
    eta: datetime
    window_start: datetime
    window_end: datetime
    stops_away: int | None
    planned: bool = False
    """No live ETA yet: `eta` is when the stop is planned on its route (not started yet)."""


def eta_view(stop_eta: StopEta | None, zone: ZoneInfo) -> EtaView | None:
    """The window in local time; None renders as "ETA not yet known"."""
    if stop_eta is None:
        return None
    return EtaView(
        eta=stop_eta.eta.astimezone(zone),
        window_start=stop_eta.window_start.astimezone(zone),
        window_end=stop_eta.window_end.astimezone(zone),
        stops_away=stop_eta.stops_away,
    )


# A parcel has an arrival time only while it is on its way: not at the hub, not returned,
# not attempted (a rescheduled day is the promise then), not delivered or cancelled.
EN_ROUTE = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVING})


def shipment_eta(*, session: Session, shipment: Shipment, zone: ZoneInfo) -> EtaView | None:
    if shipment.status not in EN_ROUTE:
        return None
    found = current.current_eta(session, org_id=shipment.org_id, shipment_id=shipment.id)
    if found is not None:
        return eta_view(found, zone)
    # Out, but on a van that has not left yet (moved there from one under way): the route's
    # plan is the time the driver app and the Control Tower show too, not "not yet known".
    planned = current.planned_arrival(session, org_id=shipment.org_id, shipment_id=shipment.id)
    if planned is None:
        return None
    at = planned.astimezone(zone)
    return EtaView(eta=at, window_start=at, window_end=at, stops_away=None, planned=True)
