"""Road travel times for live ETAs, cheap enough for every fix.

Per route, the planned legs (`eta.road`) are built once, when the route's stored path or
times change. A fix on the planned leg to the next stop costs one projection. A driver off
that corridor gets one routing call from where they are to the stop, kept and reused while
they stay on its path; without a map (or when the call fails) the caller's straight line.
"""

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch import service as dispatch
from lastmile.dispatch.models import Route, RouteStop
from lastmile.eta.model import LatLon
from lastmile.eta.road import PlannedStop, RoadLeg, RoadRoute, build_road_route
from lastmile.hubs.models import Hub
from lastmile.routing import polyline
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import RoadNetwork, RoutingError
from lastmile.shipments.models import Shipment

log = logging.getLogger(__name__)

CORRIDOR_M = 200.0
"""How far from a path a position may be and still be on it (GPS noise, a parallel lane)."""
MAX_ROUTES = 10_000

NetworkSource = Callable[[], RoadNetwork | None]
_RouteKey = tuple[str, datetime, datetime]


class RoadCache:
    """Planned road legs per route and detour paths per (route, next stop); thread-safe."""

    def __init__(self, network: NetworkSource | None = None) -> None:
        self._network_source = network
        self._routes: OrderedDict[uuid.UUID, tuple[_RouteKey, RoadRoute | None]] = OrderedDict()
        self._detours: OrderedDict[tuple[uuid.UUID, uuid.UUID], RoadLeg] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0
        self.routing_calls = 0
        self.routing_failures = 0

    def road_route(self, session: Session, route: Route) -> RoadRoute | None:
        """The route's planned legs; read from the database only when its path or times changed."""
        return self.road_routes(session, [route])[route.id]

    def road_routes(
        self, session: Session, routes: Sequence[Route]
    ) -> dict[uuid.UUID, RoadRoute | None]:
        """`road_route` of each; those to read are read together (two queries)."""
        found: dict[uuid.UUID, RoadRoute | None] = {}
        stale: list[Route] = []
        for route in routes:
            with self._lock:
                cached = self._routes.get(route.id)
            if cached is not None and cached[0] == _key(route):
                found[route.id] = cached[1]
            else:
                stale.append(route)
        built = _load(session, [route for route in stale if route.polyline6])
        with self._lock:
            for route in stale:
                self.builds += 1
                found[route.id] = built.get(route.id)
                self._routes[route.id] = (_key(route), found[route.id])
                self._routes.move_to_end(route.id)
            while len(self._routes) > MAX_ROUTES:
                self._routes.popitem(last=False)
        return found

    def to_next_stop_s(
        self,
        *,
        route_id: uuid.UUID,
        road: RoadRoute | None,
        stop_id: uuid.UUID,
        stop: LatLon,
        position: LatLon,
        from_stop: uuid.UUID | None = None,
    ) -> float | None:
        """Base road time from `position` to the stop, or None (then: the straight line).

        `from_stop`: the driver is at that stop, so the whole planned leg out of it is ahead.
        """
        leg = road.leg_into(stop_id) if road is not None else None
        if leg is not None and from_stop is not None and leg.from_stop == from_stop:
            return leg.duration_s
        if leg is not None and from_stop is None:
            remaining = leg.remaining_s(position, corridor_m=CORRIDOR_M)
            if remaining is not None:
                return remaining
        return self._detour_s(route_id, stop_id, stop, position)

    def _detour_s(
        self, route_id: uuid.UUID, stop_id: uuid.UUID, stop: LatLon, position: LatLon
    ) -> float | None:
        key = (route_id, stop_id)
        with self._lock:
            detour = self._detours.get(key)
        if detour is not None:
            remaining = detour.remaining_s(position, corridor_m=CORRIDOR_M)
            if remaining is not None:
                return remaining
        network = self._network()
        if network is None:
            return None
        with self._lock:
            self.routing_calls += 1
        try:
            path = network.route([position, stop])
        except RoutingError as error:
            with self._lock:
                self.routing_failures += 1
            log.warning("no road path to stop %s: straight line instead (%s)", stop_id, error)
            return None
        detour = RoadLeg.from_path(
            path.geometry or (position, stop), duration_s=path.duration_s, to_stop=stop_id
        )
        with self._lock:
            self._detours[key] = detour
            self._detours.move_to_end(key)
            while len(self._detours) > MAX_ROUTES:
                self._detours.popitem(last=False)
        return path.duration_s

    def _network(self) -> RoadNetwork | None:
        network = self._network_source() if self._network_source is not None else None
        # Without a map the learned straight line beats a fixed speed along a stretched line.
        return None if isinstance(network, HaversineNetwork) else network


def _key(route: Route) -> _RouteKey:
    return (route.polyline6, route.planned_start, route.planned_end)


def _load(session: Session, routes: Sequence[Route]) -> dict[uuid.UUID, RoadRoute | None]:
    if not routes:
        return {}
    hubs = {
        hub.id: hub
        for hub in session.scalars(select(Hub).where(Hub.id.in_({r.hub_id for r in routes})))
    }
    stops = dispatch.routes_stops(session=session, routes=routes)
    return {route.id: _build(route, hubs.get(route.hub_id), stops[route.id]) for route in routes}


def _build(
    route: Route, hub: Hub | None, stops: Sequence[tuple[RouteStop, Shipment]]
) -> RoadRoute | None:
    if hub is None or hub.org_id != route.org_id:
        return None
    planned = [
        PlannedStop(
            stop.id, shipment.lat, shipment.lon, stop.planned_arrival, stop.planned_departure
        )
        for stop, shipment in stops
        if shipment.lat is not None and shipment.lon is not None
    ]
    try:
        points = polyline.decode(route.polyline6)
    except ValueError as error:
        log.warning("route %s has an unreadable path: straight lines instead (%s)", route.id, error)
        return None
    road = build_road_route(
        polyline_points=points,
        hub=(hub.lat, hub.lon),
        planned_start=route.planned_start,
        stops=planned,
    )
    if road is None:
        log.warning("route %s: its path does not pass its stops; straight lines instead", route.id)
    return road
