""" "Address wrong: the door is here": a driver at a stop reports where the door really is.

In the report's own transaction: the shipment's pin moves to the phone's position (its
quality saying the driver moved it, audited as the driver), the position is learned for the
normalised address (`addresses.learned`, as a delivery there would be), and the dispatcher
gets an `address_wrong` alert naming the driver and the order. What changed is published
once committed: the alert on the fleet channel, the correction for the route's re-timing.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lastmile.addresses.learned import learn_delivery
from lastmile.addresses.types import Geocoder
from lastmile.alerts import service as alerts
from lastmile.alerts.live import alert_message
from lastmile.alerts.signals import AlertKind, Signal
from lastmile.audit.types import driver_actor
from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.errors import Conflict
from lastmile.geo import haversine_m
from lastmile.shipments.correction import move_pin
from lastmile.shipments.models import Shipment


@dataclass(frozen=True, slots=True)
class AddressReport:
    """The report applied: the alert messages to publish, and whether the pin moved."""

    alerts: list[dict[str, Any]]
    moved: bool


def report_address_wrong(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    route: Route,
    driver_id: uuid.UUID,
    driver_name: str,
    door: tuple[float, float],
    note: str | None,
    at: datetime,
    geocoder: Geocoder | None = None,
) -> AddressReport:
    """Apply the driver's report that the door is at `door`; 409 once the stop is closed."""
    if stop.status not in (StopStatus.PENDING, StopStatus.ARRIVED):
        raise Conflict(f"stop {stop.id} is already {stop.status}: report the address before")
    was = (shipment.lat, shipment.lon)
    corrected = move_pin(
        session=session,
        shipment=shipment,
        lat=door[0],
        lon=door[1],
        actor=driver_actor(driver_id=driver_id, name=driver_name),
        geocoder=geocoder,
    )
    learn_delivery(
        session=session,
        org_id=shipment.org_id,
        address_text=shipment.address_text,
        position=door,
        at=at,
    )
    away = ""
    if was[0] is not None and was[1] is not None:
        away = f", {round(haversine_m(was[0], was[1], *door))} m from the pin"
    signal = Signal(
        kind=AlertKind.ADDRESS_WRONG,
        key=f"address_wrong:{shipment.id}",
        raised=True,
        at=at,
        title=f"{driver_name} says the address of {shipment.tracking_number}"
        f" ({shipment.address_text}) is wrong: the door is where they stand{away}",
        lat=door[0],
        lon=door[1],
        details={
            "driver": driver_name,
            "tracking_number": shipment.tracking_number,
            "address": shipment.address_text,
            "note": note,
            "pin_was": list(was) if was[0] is not None else None,
        },
    )
    subject = alerts.Subject(driver_id=driver_id, route_id=route.id, shipment_id=shipment.id)
    changed = alerts.apply_signals(
        session, org_id=shipment.org_id, signals=[signal], subject=subject
    )
    return AddressReport([alert_message(alert) for alert in changed], corrected.moved)
