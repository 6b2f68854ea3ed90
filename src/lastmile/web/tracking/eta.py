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
    stops_away: int


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
    return eta_view(found, zone)
