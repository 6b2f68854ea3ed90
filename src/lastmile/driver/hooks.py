"""Where the driver workflow tells other domains that something happened, in its transaction.

What they have to say live comes back as `Publish` jobs, run with the bus once committed.
"""

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lastmile.addresses.access_notes import learn_note
from lastmile.addresses.learned import learn_delivery
from lastmile.alerts.completion import stop_completed
from lastmile.alerts.live import publish_alerts
from lastmile.bus.base import Bus
from lastmile.db import utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.dispatch.route_events import publish_route_changes
from lastmile.dispatch.stop_events import publish_stop_change, stop_message
from lastmile.eta import service as eta
from lastmile.eta.engine import EtaEngine
from lastmile.eta.live import publish_etas
from lastmile.shipments.models import Shipment
from lastmile.trips.dwell import dwelt_door

Publish = Callable[[Bus], Coroutine[Any, Any, None]]


def stop_reached(session: Session, *, stop: RouteStop, at: datetime) -> list[Publish]:
    """The driver is at the stop: the ETAs given for it can now be scored, and the Control
    Tower hears of it."""
    eta.record_arrival(session, org_id=stop.org_id, stop_id=stop.id, at=at)
    org_id, changed = stop.org_id, stop_message(stop)

    async def publish(bus: Bus) -> None:
        await publish_stop_change(bus, org_id=org_id, message=changed)

    return [publish]


def stop_finished(
    session: Session,
    *,
    route: Route,
    stop: RouteStop,
    shipment: Shipment,
    at: datetime,
    position: tuple[float, float] | None,
    at_the_door: bool = True,
    eta_engine: EtaEngine | None,
) -> list[Publish]:
    """A stop was closed: the Control Tower hears of it, fresh ETAs for the rest (if any are
    left, and unless no engine is given: the route is being closed), and, for an outcome at
    the door (delivered or attempted, not a parcel handed back or cancelled), the completion
    checks: proof far from the address, the driver's track elsewhere at that moment. A
    delivery with a proof position teaches the address where its door is
    (`addresses.learned`): where the driver's track dwelt before, near the proof (a
    confirmed delivery, trusted on its own), else the proof's position (`trips.dwell`)."""
    if at_the_door and stop.arrived_at is None:
        # Scored as reached, but told once: the stop's closing below is the one change.
        eta.record_arrival(session, org_id=route.org_id, stop_id=stop.id, at=at)
    if stop.status is StopStatus.COMPLETED and position is not None:
        expected = (
            (shipment.lat, shipment.lon)
            if shipment.lat is not None and shipment.lon is not None
            else None
        )
        dwelt = _dwelt(session, route=route, stop=stop, at=at, proof=position)
        learn_delivery(
            session=session,
            org_id=route.org_id,
            address_text=shipment.address_text,
            position=dwelt or position,
            at=at,
            expected=expected,
            confirmed=dwelt is not None,
        )
    etas = (
        []
        if route.status is RouteStatus.COMPLETED or eta_engine is None
        else eta.recompute_route(
            session, org_id=route.org_id, route_id=route.id, now=utcnow(), engine=eta_engine
        )
    )
    alerts = (
        stop_completed(
            session,
            org_id=route.org_id,
            driver_id=route.driver_id,
            route_id=route.id,
            stop_id=stop.id,
            shipment=shipment,
            at=at,
            proof_position=position,
        )
        if at_the_door
        else []
    )

    org_id, driver_id, changed = route.org_id, route.driver_id, stop_message(stop)

    async def publish(bus: Bus) -> None:
        await publish_stop_change(bus, org_id=org_id, message=changed)
        await publish_etas(bus, etas)
        await publish_alerts(bus, org_id=org_id, messages=alerts)
        # Its open stops changed: the live contexts and the driver's app read them again.
        await publish_route_changes(bus, org_id=org_id, driver_ids=[driver_id])

    return [publish]


def delivery_noted(
    session: Session, *, shipment: Shipment, note: str, actor: str, at: datetime
) -> None:
    """The driver wrote a note delivering: the address keeps it for the next driver there
    (`addresses.access_notes`)."""
    learn_note(
        session=session,
        org_id=shipment.org_id,
        address_text=shipment.address_text,
        note=note,
        shipment_id=shipment.id,
        actor=actor,
        at=at,
    )


def _dwelt(
    session: Session, *, route: Route, stop: RouteStop, at: datetime, proof: tuple[float, float]
) -> tuple[float, float] | None:
    """Where the driver's track dwelt at the door near the proof, since the route's previous
    stop ended; None without a driver or such a dwell."""
    if route.driver_id is None:
        return None
    previous_end = session.scalar(
        select(func.max(RouteStop.finished_at)).where(
            RouteStop.route_id == route.id, RouteStop.id != stop.id, RouteStop.finished_at < at
        )
    )
    return dwelt_door(
        session=session,
        org_id=route.org_id,
        driver_id=route.driver_id,
        at=at,
        proof=proof,
        since=previous_end,
    )
