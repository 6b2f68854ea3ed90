"""Whether a tracking page may show the driver, and what: decided on the server only."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet.models import Driver
from lastmile.hubs.models import Hub
from lastmile.ingest.models import DriverPosition
from lastmile.orgsettings.service import OrgRules
from lastmile.routing.polyline import LatLon, decode
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status
from lastmile.web.tracking.road import road_ahead

ON_THE_WAY = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVING})
OPEN_STOPS = frozenset({StopStatus.PENDING, StopStatus.ARRIVED})
SHOWS_DRIVER_CARD = ON_THE_WAY | {Status.DELIVERED, Status.ATTEMPTED}


@dataclass(frozen=True, slots=True)
class DriverCard:
    first_name: str
    photo_url: str | None


@dataclass(frozen=True, slots=True)
class Position:
    lat: float
    lon: float
    at: datetime
    heading_deg: float | None


@dataclass(frozen=True, slots=True)
class LiveMap:
    """What the map may show: the driver, the road from there to this stop, and this stop."""

    driver_id: str
    stops_away: int
    position: Position | None
    road: list[LatLon]
    destination: LatLon | None


def driver_card(*, session: Session, shipment: Shipment) -> DriverCard | None:
    """The assigned driver's first name and photo, once the shipment is on its way."""
    if shipment.driver_id is None or shipment.status not in SHOWS_DRIVER_CARD:
        return None
    driver = session.scalar(
        select(Driver).where(Driver.org_id == shipment.org_id, Driver.id == shipment.driver_id)
    )
    if driver is None:
        return None
    first = driver.name.split()[0] if driver.name.split() else "Your driver"
    return DriverCard(first_name=first, photo_url=driver.photo_url)


def _active_stop(session: Session, shipment: Shipment) -> tuple[Route, RouteStop] | None:
    query = (
        select(Route, RouteStop)
        .join(RouteStop, RouteStop.route_id == Route.id)
        .where(
            RouteStop.org_id == shipment.org_id,
            RouteStop.shipment_id == shipment.id,
            Route.status == RouteStatus.IN_PROGRESS,
            Route.driver_id == shipment.driver_id,
        )
        .order_by(Route.started_at.desc())
        .limit(1)
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row is not None else None


def _route_points(
    session: Session, route: Route
) -> tuple[list[tuple[RouteStop, LatLon | None]], LatLon | None]:
    query = (
        select(RouteStop, Shipment.lat, Shipment.lon)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(RouteStop.org_id == route.org_id, RouteStop.route_id == route.id)
        .order_by(RouteStop.sequence)
    )
    stops = [
        (stop, (lat, lon) if lat is not None and lon is not None else None)
        for stop, lat, lon in session.execute(query)
    ]
    hub = session.scalar(select(Hub).where(Hub.org_id == route.org_id, Hub.id == route.hub_id))
    return stops, ((hub.lat, hub.lon) if hub is not None else None)


def live_map(*, session: Session, shipment: Shipment, rules: OrgRules) -> LiveMap | None:
    """The map, only while out for delivery and within `driver_visible_stops_away` stops.

    Stops away counts this stop's place among the route's open stops: 1 when it is next.
    """
    if shipment.driver_id is None or shipment.status not in ON_THE_WAY:
        return None
    found = _active_stop(session, shipment)
    if found is None:
        return None
    route, mine = found
    stops, hub = _route_points(session, route)
    open_ids = [stop.id for stop, _ in stops if stop.status in OPEN_STOPS]
    if mine.id not in open_ids:
        return None
    away = open_ids.index(mine.id) + 1
    if away > rules.driver_visible_stops_away:
        return None
    row = session.scalar(
        select(DriverPosition).where(
            DriverPosition.org_id == route.org_id, DriverPosition.driver_id == route.driver_id
        )
    )
    # A suspect position (the track teleported and is not trusted again) is not shown.
    position = (
        Position(lat=row.lat, lon=row.lon, at=row.at, heading_deg=row.heading_deg)
        if row is not None and not row.suspect
        else None
    )
    destination = (
        (shipment.lat, shipment.lon)
        if shipment.lat is not None and shipment.lon is not None
        else None
    )
    road: list[LatLon] = []
    if position is not None and destination is not None:
        road = _road(route, stops, hub, mine, open_ids[0], (position.lat, position.lon))
    return LiveMap(
        driver_id=str(route.driver_id),
        stops_away=away,
        position=position,
        road=road,
        destination=destination,
    )


def _road(
    route: Route,
    stops: list[tuple[RouteStop, LatLon | None]],
    hub: LatLon | None,
    mine: RouteStop,
    next_open: uuid.UUID,
    driver: LatLon,
) -> list[LatLon]:
    """Waypoints as the route geometry was built: hub, located stops in order, hub."""
    located = [(stop, point) for stop, point in stops if point is not None]
    waypoints: list[LatLon] = [hub] if hub is not None else []
    offset = len(waypoints)
    waypoints += [point for _, point in located]
    if hub is not None:
        waypoints.append(hub)
    ids = [stop.id for stop, _ in located]
    destination = offset + ids.index(mine.id)
    leg_start = offset + ids.index(next_open) - 1 if next_open in ids else destination - 1
    try:
        line = decode(route.polyline6) if route.polyline6 else []
    except ValueError:
        line = []
    return road_ahead(
        line=line,
        waypoints=waypoints,
        leg_start=max(leg_start, 0),
        destination=destination,
        driver=driver,
    )
