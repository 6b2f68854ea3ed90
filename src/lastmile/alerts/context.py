"""What the detectors need to know about a driver's day, read from the database."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts import service
from lastmile.alerts.corridor import Corridor
from lastmile.alerts.detectors.halt import HaltContext
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet import service as fleet
from lastmile.hubs.models import Hub
from lastmile.routing import polyline
from lastmile.shipments.models import Shipment

OPEN_STOP = (StopStatus.PENDING, StopStatus.ARRIVED)


@dataclass(frozen=True, slots=True)
class DriverDay:
    """A driver's current route (if any), remaining planned places and parcels on board."""

    org_id: uuid.UUID
    driver_id: uuid.UUID
    thresholds: AlertThresholds
    on_shift: bool
    route_id: uuid.UUID | None = None
    corridor: Corridor | None = None
    planned_places: tuple[tuple[float, float], ...] = ()
    parcels_on_board: int = 0
    time_zone: tzinfo = UTC

    @property
    def halt_context(self) -> HaltContext:
        return HaltContext(self.planned_places, self.parcels_on_board, self.time_zone)


def current_route(session: Session, *, driver_id: uuid.UUID, today: date) -> Route | None:
    """The route in progress, else today's planned one."""
    routes = session.scalars(
        select(Route)
        .where(
            Route.driver_id == driver_id,
            Route.date == today,
            Route.status.in_([RouteStatus.IN_PROGRESS, RouteStatus.PLANNED]),
        )
        .order_by(Route.planned_start)
    ).all()
    in_progress = [r for r in routes if r.status is RouteStatus.IN_PROGRESS]
    candidates = in_progress or list(routes)
    return candidates[0] if candidates else None


def load_driver_day(
    session: Session, *, org_id: uuid.UUID, driver_id: uuid.UUID, now: datetime
) -> DriverDay:
    thresholds = service.thresholds_for(session, org_id=org_id)
    on_shift = fleet.current_shift(session=session, driver_id=driver_id) is not None
    route = current_route(session, driver_id=driver_id, today=now.date())
    if route is None or route.org_id != org_id:
        return DriverDay(org_id, driver_id, thresholds, on_shift)
    hub = session.get(Hub, route.hub_id)
    rows = session.execute(
        select(RouteStop.status, Shipment.lat, Shipment.lon, Shipment.parcel_count)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(RouteStop.route_id == route.id, RouteStop.status.in_(OPEN_STOP))
    ).all()
    places = [(lat, lon) for _, lat, lon, _ in rows if lat is not None and lon is not None]
    if hub is not None:
        places.append((hub.lat, hub.lon))
    points = polyline.decode(route.polyline6) if route.polyline6 else []
    on_board = (
        sum(count for _, _, _, count in rows) if route.status is RouteStatus.IN_PROGRESS else 0
    )
    return DriverDay(
        org_id=org_id,
        driver_id=driver_id,
        thresholds=thresholds,
        on_shift=on_shift,
        route_id=route.id,
        corridor=Corridor(points) if len(points) >= 2 else None,
        planned_places=tuple(places),
        parcels_on_board=on_board,
        time_zone=ZoneInfo(hub.timezone) if hub is not None else UTC,
    )
