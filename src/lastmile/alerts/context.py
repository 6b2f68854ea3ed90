"""What the detectors need to know about a driver's day, read from the database."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
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


def current_routes(
    session: Session, *, driver_ids: Collection[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Route]:
    """Each driver's route in progress, else their planned route starting nearest to `now`;
    drivers with neither are left out. Routes are dated in their hub's time zone, so the UTC
    day either side counts too."""
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=1), today, today + timedelta(days=1)]
    routes = session.scalars(
        select(Route).where(
            Route.driver_id.in_(driver_ids),
            Route.date.in_(days),
            Route.status.in_([RouteStatus.IN_PROGRESS, RouteStatus.PLANNED]),
        )
    ).all()
    found: dict[uuid.UUID, Route] = {}
    for route in sorted(routes, key=lambda r: _preference(r, now)):
        assert route.driver_id is not None
        found.setdefault(route.driver_id, route)
    return found


def _preference(route: Route, now: datetime) -> tuple[bool, float]:
    """In progress first, then the nearest planned start."""
    return route.status is not RouteStatus.IN_PROGRESS, abs(
        (route.planned_start - now).total_seconds()
    )


def load_driver_days(
    session: Session, *, drivers: Collection[tuple[uuid.UUID, uuid.UUID]], now: datetime
) -> dict[uuid.UUID, DriverDay]:
    """The days of many (org_id, driver_id) at once, in a handful of queries whatever their
    number: a fleet seen for the first time (a restart, a shift start) costs little more than
    one driver."""
    wanted = set(drivers)
    driver_ids = {driver_id for _, driver_id in wanted}
    thresholds = {
        org: service.thresholds_for(session, org_id=org) for org in {o for o, _ in drivers}
    }
    on_shift = fleet.drivers_on_shift(session=session, driver_ids=list(driver_ids))
    routes = {
        driver: route
        for driver, route in current_routes(session, driver_ids=driver_ids, now=now).items()
        if (route.org_id, driver) in wanted
    }
    hubs = {
        hub.id: hub
        for hub in session.scalars(
            select(Hub).where(Hub.id.in_({r.hub_id for r in routes.values()}))
        )
    }
    stops: dict[uuid.UUID, list[tuple[float | None, float | None, int]]] = defaultdict(list)
    rows = session.execute(
        select(RouteStop.route_id, Shipment.lat, Shipment.lon, Shipment.parcel_count)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(
            RouteStop.route_id.in_([r.id for r in routes.values()]),
            RouteStop.status.in_(OPEN_STOP),
        )
    )
    for route_id, lat, lon, count in rows:
        stops[route_id].append((lat, lon, count))
    days = {}
    for org_id, driver_id in drivers:
        base = DriverDay(org_id, driver_id, thresholds[org_id], driver_id in on_shift)
        route = routes.get(driver_id)
        days[driver_id] = (
            base
            if route is None
            else _on_route(base, route, hubs.get(route.hub_id), stops[route.id])
        )
    return days


def _on_route(
    day: DriverDay,
    route: Route,
    hub: Hub | None,
    stops: list[tuple[float | None, float | None, int]],
) -> DriverDay:
    places = [(lat, lon) for lat, lon, _ in stops if lat is not None and lon is not None]
    if hub is not None:
        places.append((hub.lat, hub.lon))
    points = polyline.decode(route.polyline6) if route.polyline6 else []
    in_progress = route.status is RouteStatus.IN_PROGRESS
    return replace(
        day,
        route_id=route.id,
        corridor=Corridor(points) if len(points) >= 2 else None,
        planned_places=tuple(places),
        parcels_on_board=sum(count for _, _, count in stops) if in_progress else 0,
        time_zone=ZoneInfo(hub.timezone) if hub is not None else UTC,
    )
