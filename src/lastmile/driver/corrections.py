"""Corrected shipments heard over the bus (`shipments.correction_events`): the shipment's
pending stop re-timed to its new point (`dispatch.flows.retime_corrected`), fresh ETAs for
its route when it is under way, and the live driver contexts and ETA subscribers told.

Here, above `dispatch` and `eta`, because the correction is made in `shipments`, which sits
below both. The correction also leaves a `PendingRetime` row in its own transaction; re-timing
deletes it in the same transaction, and a starting follower re-times every row left (a process
killed between the commit and the message: at least once, never lost). Each server process
that hears a correction re-times the route (with several processes, each does it: the same
result, a few times over).
"""

import asyncio
import logging
import uuid
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy import delete, select

from lastmile.bus.base import Bus, Message, Subscription
from lastmile.db import Database, utcnow
from lastmile.dispatch.flows import retime_corrected
from lastmile.dispatch.models import RouteStatus
from lastmile.dispatch.route_events import publish_route_changes
from lastmile.eta import service as eta
from lastmile.eta.engine import EtaEngine
from lastmile.eta.live import publish_etas
from lastmile.routing.network import RoadNetwork
from lastmile.shipments.correction_events import CORRECTED
from lastmile.shipments.models import PendingRetime
from lastmile.types import StopEta

log = logging.getLogger(__name__)


class CorrectionFollower:
    """Re-times the routes of corrected shipments, one correction at a time."""

    def __init__(
        self,
        *,
        database: Database,
        bus: Bus,
        engine: EtaEngine,
        network: Callable[[], RoadNetwork],
    ) -> None:
        self.database = database
        self.bus = bus
        self.engine = engine
        self.network = network
        self._released = asyncio.Event()
        self._released.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._subscription: Subscription | None = None

    async def hear(self, subscription: Subscription) -> None:
        """Follow `corrections_channel` for as long as the server runs (`catch_up` first, as
        the server starts)."""
        self._subscription = subscription
        try:
            async for message in subscription:
                self._idle.clear()
                try:
                    await self._released.wait()
                    await self.follow(message)
                finally:
                    if _empty(subscription):
                        self._idle.set()
        finally:
            await subscription.close()

    async def follow(self, message: Message) -> None:
        """Re-time one corrected shipment's route; a failure is logged, the next one runs."""
        try:
            org_id = uuid.UUID(str(message.data["org_id"]))
            shipment_id = uuid.UUID(str(message.data["shipment_id"]))
        except (KeyError, ValueError):
            log.warning("a correction message without its ids: %r", message.data)
            return
        if message.data.get("type") != CORRECTED:
            return
        await self._retime(org_id, shipment_id)

    async def catch_up(self) -> int:
        """Re-time every correction still pending (committed, but its message lost with the
        process that was to follow it); how many there were."""
        pending = await anyio.to_thread.run_sync(self._pending)
        for org_id, shipment_id in pending:
            await self._retime(org_id, shipment_id)
        if pending:
            log.info("re-timed %d corrections left pending by an earlier process", len(pending))
        return len(pending)

    def _pending(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        with self.database.session() as session:
            query = select(PendingRetime.org_id, PendingRetime.shipment_id).order_by(
                PendingRetime.requested_at
            )
            return [(org_id, shipment_id) for org_id, shipment_id in session.execute(query)]

    async def _retime(self, org_id: uuid.UUID, shipment_id: uuid.UUID) -> None:
        try:
            driver_id, etas = await anyio.to_thread.run_sync(self.replan, org_id, shipment_id)
        except Exception:
            log.exception("re-timing the route of corrected shipment %s failed", shipment_id)
            return
        await publish_etas(self.bus, etas)
        await publish_route_changes(self.bus, org_id=org_id, driver_ids=[driver_id])

    def replan(
        self, org_id: uuid.UUID, shipment_id: uuid.UUID
    ) -> tuple[uuid.UUID | None, list[StopEta]]:
        """In one transaction: the stop re-timed, its route's ETAs when under way, and the
        shipment's pending note deleted (the re-timing reads the shipment as it is now, so it
        serves every correction committed before it)."""
        with self.database.session() as session:
            session.execute(
                delete(PendingRetime).where(
                    PendingRetime.org_id == org_id, PendingRetime.shipment_id == shipment_id
                )
            )
            route = retime_corrected(
                session=session, org_id=org_id, shipment_id=shipment_id, network=self.network()
            )
            if route is None:
                session.commit()
                return None, []
            etas: list[StopEta] = []
            if route.status is RouteStatus.IN_PROGRESS:
                etas = eta.recompute_route(
                    session, org_id=org_id, route_id=route.id, now=utcnow(), engine=self.engine
                )
            driver_id = route.driver_id
            session.commit()
            return driver_id, etas

    async def hold(self) -> None:
        """Let corrections wait until `release` (a test client holds them while a request
        runs, whose database connection they would otherwise share)."""
        self._released.clear()

    async def release(self) -> None:
        self._released.set()

    async def settled(self) -> None:
        """Return once every correction heard so far has been followed."""
        if self._subscription is not None and not _empty(self._subscription):
            self._idle.clear()
        await self._idle.wait()


def _empty(subscription: Subscription) -> bool:
    queue = getattr(subscription, "queue", None)  # the memory bus's; Redis: nothing to wait for
    return queue is None or queue.empty()
