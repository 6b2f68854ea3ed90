"""The ETA follower: after a driver's fixes are stored, update their route's ETAs.

About one update per driver every `min_interval_s` (spread, so that a fleet whose first
fixes came together does not update together again; never two at once), so a phone sending
every second costs one small query (and, on a route, a few inserts) every interval. Whether
a driver has a route in progress is their live context's to say (`dispatch.driver_context`,
shared with the alerts): a driver with none costs no query here, and a route change (a new
context version) updates at the driver's next fix, whatever the interval. The update runs in
a worker thread, together with those of every other driver due meanwhile, after the batch
was acknowledged (`ingest.pipeline`).
"""

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.bus.base import Bus, shipment_channel
from lastmile.coalesce import Coalescer
from lastmile.db import Database, utcnow
from lastmile.dispatch.driver_context import DriverContexts
from lastmile.dispatch.models import Route, RouteStatus
from lastmile.eta import service
from lastmile.eta.engine import EtaEngine
from lastmile.eta.model import LatLon
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.pipeline import StoredBatch
from lastmile.spread import spread
from lastmile.types import StopEta

log = logging.getLogger(__name__)

MAX_DRIVERS = 100_000


async def publish_etas(bus: Bus, etas: Sequence[StopEta]) -> None:
    """Publish stored ETAs on their shipments' channels (after the transaction committed)."""
    for eta in etas:
        await bus.publish(shipment_channel(eta.shipment_id), service.eta_message(eta))


@dataclass(frozen=True, slots=True)
class _Asked:
    org_id: uuid.UUID
    route_id: uuid.UUID
    position: LatLon
    fix_at: datetime


class LiveEta:
    """The ETA follower of the fix path (see `ingest.pipeline`)."""

    name = "eta"

    def __init__(
        self,
        *,
        database: Database,
        bus: Bus,
        engine: EtaEngine,
        contexts: DriverContexts,
        min_interval_s: float = 30.0,
    ) -> None:
        self.database = database
        self.bus = bus
        self.engine = engine
        self.contexts = contexts
        self.min_interval_s = min_interval_s
        self.updates = 0
        self.failures = 0
        self._next: OrderedDict[uuid.UUID, tuple[float, int]] = OrderedDict()
        self._busy: set[uuid.UUID] = set()
        self._updates = Coalescer(self._store)

    async def follow(self, batch: StoredBatch) -> None:
        """After a batch is stored: update from its newest trusted fix, unless this driver had
        one just now on the same context."""
        # A suspect fix (a teleported track not trusted again) must not move a customer's ETA:
        # it stays where the last trusted position put it.
        newest = next((t for t in reversed(batch.live) if not t.suspect), None)
        if newest is None:
            return
        owner = batch.owner
        driver = owner.driver_id
        if driver in self._busy:
            return
        context = await self.contexts.get(owner.org_id, driver)
        route = context.route_in_progress
        if route is None:
            return
        now = time.monotonic()
        due_at, version = self._next.get(driver, (0.0, 0))
        if version == context.version and now < due_at:
            return
        self._next[driver] = (now + spread(self.min_interval_s), context.version)
        self._next.move_to_end(driver)
        while len(self._next) > MAX_DRIVERS:
            self._next.popitem(last=False)
        self._busy.add(driver)
        await self._update(
            owner, _Asked(owner.org_id, route.id, (newest.lat, newest.lon), newest.fix.at)
        )

    def _store(
        self, asked: dict[uuid.UUID, _Asked]
    ) -> dict[uuid.UUID, list[StopEta] | Exception | None]:
        """Update the routes in progress of the drivers asked for, in one session and all
        together; None for a driver with none. When that fails, again one driver at a time, so
        that a driver whose update fails is rolled back alone."""
        with self.database.session(writes=True) as session:
            now = utcnow()
            routes = _routes_in_progress(session, asked)
            updates = {
                driver: service.RouteUpdate(
                    route, a.position, max(0.0, (now - a.fix_at).total_seconds())
                )
                for driver, a in asked.items()
                if (route := routes.get(driver)) is not None
            }
            found: dict[uuid.UUID, list[StopEta] | Exception | None] = {
                driver: None for driver in asked if driver not in updates
            }
            try:
                with session.begin_nested():
                    stored = service.update_routes(
                        session, list(updates.values()), now=now, trigger="fix", engine=self.engine
                    )
                found.update({d: stored[u.route.id] for d, u in updates.items()})
            except Exception:
                log.exception("ETA updates of %d drivers failed: again one at a time", len(updates))
                for driver, update in updates.items():
                    found[driver] = self._store_one(session, update, now)
            session.commit()
        return found

    def _store_one(
        self, session: Session, update: service.RouteUpdate, now: datetime
    ) -> list[StopEta] | Exception:
        try:
            with session.begin_nested():
                return service.update_routes(
                    session, [update], now=now, trigger="fix", engine=self.engine
                )[update.route.id]
        except Exception as error:
            return error

    async def _update(self, owner: DeviceOwner, asked: _Asked) -> None:
        try:
            etas = await self._updates.get(owner.driver_id, asked)
            if etas is None:  # the route closed since the context was read
                return
            await publish_etas(self.bus, etas)
            self.updates += 1
        except Exception:
            self.failures += 1
            log.exception("ETA update for driver %s failed", owner.driver_id)
        finally:
            self._busy.discard(owner.driver_id)


def _routes_in_progress(session: Session, asked: dict[uuid.UUID, _Asked]) -> dict[uuid.UUID, Route]:
    """The routes the drivers' contexts name, by driver, if still theirs and in progress (a
    route closed since the context was read is left out, not forecast)."""
    owners = {a.route_id: (a.org_id, driver) for driver, a in asked.items()}
    routes = session.scalars(
        select(Route).where(Route.id.in_(owners), Route.status == RouteStatus.IN_PROGRESS)
    )
    return {
        owners[route.id][1]: route
        for route in routes
        if (route.org_id, route.driver_id) == owners[route.id]
    }
