"""One live driver context per process, which the fix path's ETA and alerts both read.

A driver's context is what the live followers need to know about their day: whether they are
on shift, and their current route (in progress, else the planned one starting nearest to now)
with its hub, its path and its open stops. It is read from the database for many drivers at
once (`load_driver_contexts`, a handful of queries whatever their number) and kept in memory
(`DriverContexts`) until it is due again (about `refresh_s`, spread so that a fleet's reads
do not come due together) or its route changes: a plan committed, a route started, a stop
reordered, moved, added, taken off or closed, a shift's end. Those arrive as bus events from
any process (`dispatch.route_events`), heard by `DriverContexts.hear_route_changes`.

Each read gets a new `version`, so a follower that keeps state of its own per driver (the
ETA's throttle, the alert detectors) sees a route change as a version it has not seen.
"""

import itertools
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lastmile.bus.base import Subscription
from lastmile.coalesce import Coalescer
from lastmile.db import Database, utcnow
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet import service as fleet
from lastmile.hubs.models import Hub
from lastmile.routing import polyline
from lastmile.shipments.models import Shipment
from lastmile.spread import spread

log = logging.getLogger(__name__)

LatLon = tuple[float, float]
OPEN_STOP = (StopStatus.PENDING, StopStatus.ARRIVED)
MAX_DRIVERS = 100_000


@dataclass(frozen=True, slots=True)
class OpenStop:
    """A stop not yet closed, in route order; `place` is None for an address not geocoded."""

    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    status: StopStatus
    place: LatLon | None
    parcel_count: int


@dataclass(frozen=True, slots=True)
class LiveRoute:
    """A driver's current route as read: its hub, its planned path and its open stops."""

    id: uuid.UUID
    status: RouteStatus
    path: tuple[LatLon, ...]
    hub_place: LatLon | None
    time_zone: tzinfo
    stops: tuple[OpenStop, ...]

    @property
    def in_progress(self) -> bool:
        return self.status is RouteStatus.IN_PROGRESS


@dataclass(frozen=True, slots=True)
class DriverContext:
    """What the live followers know of a driver's day; `version` changes with every read."""

    org_id: uuid.UUID
    driver_id: uuid.UUID
    on_shift: bool
    route: LiveRoute | None
    version: int = 0

    @property
    def route_in_progress(self) -> LiveRoute | None:
        return self.route if self.route is not None and self.route.in_progress else None


def current_routes(
    session: Session, *, driver_ids: Collection[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Route]:
    """Each driver's route in progress (whatever its date: the end-of-day sweep closes those
    left open), else their planned route starting nearest to `now`; drivers with neither are
    left out. Routes are dated in their hub's time zone, so the UTC day either side counts."""
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=1), today, today + timedelta(days=1)]
    routes = session.scalars(
        select(Route).where(
            Route.driver_id.in_(driver_ids),
            or_(
                Route.status == RouteStatus.IN_PROGRESS,
                and_(Route.status == RouteStatus.PLANNED, Route.date.in_(days)),
            ),
        )
    ).all()
    found: dict[uuid.UUID, Route] = {}
    for route in sorted(routes, key=lambda r: _preference(r, now)):
        assert route.driver_id is not None
        found.setdefault(route.driver_id, route)
    return found


def _preference(route: Route, now: datetime) -> tuple[bool, float]:
    """In progress first (the latest started), then the nearest planned start."""
    if route.status is RouteStatus.IN_PROGRESS:
        started = route.started_at or route.planned_start
        return False, -started.timestamp()
    return True, abs((route.planned_start - now).total_seconds())


def load_driver_contexts(
    session: Session, *, drivers: Collection[tuple[uuid.UUID, uuid.UUID]], now: datetime
) -> dict[uuid.UUID, DriverContext]:
    """The contexts of many (org_id, driver_id) at once, in a handful of queries whatever
    their number: a fleet seen for the first time (a restart, a shift start) costs little
    more than one driver."""
    wanted = set(drivers)
    driver_ids = {driver_id for _, driver_id in wanted}
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
    stops: dict[uuid.UUID, list[OpenStop]] = defaultdict(list)
    rows = session.execute(
        select(
            RouteStop.route_id,
            RouteStop.id,
            RouteStop.status,
            Shipment.id,
            Shipment.lat,
            Shipment.lon,
            Shipment.parcel_count,
        )
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(
            RouteStop.route_id.in_([r.id for r in routes.values()]),
            RouteStop.status.in_(OPEN_STOP),
        )
        .order_by(RouteStop.route_id, RouteStop.sequence)
    )
    for route_id, stop_id, status, shipment_id, lat, lon, count in rows:
        place = (lat, lon) if lat is not None and lon is not None else None
        stops[route_id].append(OpenStop(stop_id, shipment_id, status, place, count))
    return {
        driver_id: DriverContext(
            org_id,
            driver_id,
            driver_id in on_shift,
            None
            if (route := routes.get(driver_id)) is None
            else _live_route(route, hubs.get(route.hub_id), stops[route.id]),
        )
        for org_id, driver_id in wanted
    }


def _live_route(route: Route, hub: Hub | None, stops: list[OpenStop]) -> LiveRoute:
    if hub is not None and hub.org_id != route.org_id:
        hub = None
    try:
        path = tuple(polyline.decode(route.polyline6)) if route.polyline6 else ()
    except ValueError as error:
        log.warning("route %s has an unreadable path: read without it (%s)", route.id, error)
        path = ()
    return LiveRoute(
        id=route.id,
        status=route.status,
        path=path,
        hub_place=(hub.lat, hub.lon) if hub is not None else None,
        time_zone=ZoneInfo(hub.timezone) if hub is not None else UTC,
        stops=tuple(stops),
    )


class DriverContexts:
    """The live driver contexts of one process, read again when due or when a route changes."""

    def __init__(
        self,
        database: Database,
        *,
        refresh_s: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.refresh_s = refresh_s
        self.clock = clock
        self.reads = 0
        self._known: dict[uuid.UUID, tuple[DriverContext, float]] = {}
        self._versions = itertools.count(1)
        self._loader = Coalescer(self._load)

    def _load(self, asked: dict[uuid.UUID, uuid.UUID]) -> dict[uuid.UUID, DriverContext]:
        """The contexts of the drivers asked for (driver_id → org_id), in one session."""
        drivers = {(org_id, driver_id) for driver_id, org_id in asked.items()}
        with self.database.session() as session:
            found = load_driver_contexts(session, drivers=drivers, now=self.clock())
        self.reads += 1
        return found

    async def get(self, org_id: uuid.UUID, driver_id: uuid.UUID) -> DriverContext:
        """The driver's context: the one in memory while it is fresh, else read again."""
        known = self._known.get(driver_id)
        now = time.monotonic()
        if known is not None and now < known[1] and known[0].org_id == org_id:
            return known[0]
        read = await self._loader.get(driver_id, org_id)
        context = DriverContext(
            read.org_id, read.driver_id, read.on_shift, read.route, next(self._versions)
        )
        self._known[driver_id] = (context, now + spread(self.refresh_s))
        if len(self._known) > MAX_DRIVERS:
            self._known = {d: k for d, k in self._known.items() if k[1] > now}
        return context

    def route_changed(self, driver_id: uuid.UUID | None = None) -> None:
        """The driver's route changed (None: every driver's): read it again at their next fix."""
        if driver_id is None:
            self._known.clear()
        else:
            self._known.pop(driver_id, None)

    async def hear_route_changes(self, subscription: Subscription) -> None:
        """Hear route changes made in any process (a subscription to `routes_channel`), for
        as long as the server runs."""
        try:
            async for message in subscription:
                try:
                    self.route_changed(uuid.UUID(str(message.data["driver_id"])))
                except (KeyError, ValueError):
                    log.warning("a route change without a driver id: %r", message.data)
        finally:
            await subscription.close()
