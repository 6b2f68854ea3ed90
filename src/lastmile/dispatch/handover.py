"""Where a parcel is when its stop leaves a van that may hold it: said to the dispatcher.

A stop taken off a route that has left the hub, or whose parcel was scanned onto the van,
moves on paper only: the parcel is still in that driver's van until someone hands it over.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route, RouteStop
from lastmile.fleet.models import Driver
from lastmile.shipments.models import Shipment


def _driver_name(session: Session, route: Route) -> str:
    name = session.scalar(
        select(Driver.name).where(Driver.org_id == route.org_id, Driver.id == route.driver_id)
    )
    return name or "the driver"


def handover_warning(
    *,
    session: Session,
    route: Route,
    stop_id: uuid.UUID,
    to_route: Route | None,
) -> str | None:
    """What the dispatcher must arrange when this stop leaves `route` (for `to_route`, or for
    no route); None while its parcel is surely still at the hub. Read before the edit: the
    move forgets that the parcel was loaded."""
    found = session.execute(
        select(RouteStop.loaded_at, Shipment.tracking_number)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(RouteStop.org_id == route.org_id, RouteStop.id == stop_id)
    ).first()
    if found is None:
        return None
    loaded_at, number = found
    if route.started_at is None and loaded_at is None:
        return None
    van = f"This parcel ({number}) may be in {_driver_name(session, route)}'s van"
    if to_route is None:
        return f"{van}: arrange its return to the hub."
    return f"{van}: arrange the hand-over to {_driver_name(session, to_route)}."
