"""One live driver context per process: read once for the ETA and the alerts, read again when
the driver's route changes in any process (a bus event, a closed stop's too)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.alerts.world import out_on_route
from tests.common import OrgHandle, make_driver

from lastmile.alerts.monitor import FleetMonitor
from lastmile.bus import MemoryBus
from lastmile.bus.base import Message, routes_channel
from lastmile.db import Database
from lastmile.dispatch.driver_context import DriverContexts
from lastmile.dispatch.models import Route, RouteStop
from lastmile.driver.hooks import stop_finished
from lastmile.eta.engine import EtaEngine
from lastmile.eta.learning import LearnedEta
from lastmile.eta.live import LiveEta
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.pipeline import StoredBatch
from lastmile.ingest.stages import TrackedFix
from lastmile.shipments.models import Shipment
from lastmile.types import Fix

pytestmark = pytest.mark.anyio


async def test_eta_and_alerts_read_a_driver_s_day_once(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org, stops_east_m=(1500, 2500))
    driver = uuid.UUID(world.driver_id)
    contexts = DriverContexts(db, refresh_s=600.0)
    bus = MemoryBus()
    eta = LiveEta(
        database=db, bus=bus, engine=EtaEngine(LearnedEta()), contexts=contexts, min_interval_s=0
    )
    alerts = FleetMonitor(db, bus, contexts, refresh_s=600.0)
    at = datetime.now(UTC)
    fix = Fix(world.device_id, at, 60.1700, 24.9400, accuracy_m=5.0)
    batch = StoredBatch(DeviceOwner(org.org_id, driver, world.device_id), [TrackedFix(fix)], at)

    for _ in range(3):
        await eta.follow(batch)
        await alerts.follow(batch)

    assert contexts.reads == 1
    assert eta.updates == 3
    assert eta.failures == 0
    assert alerts.failures == 0
    context = await contexts.get(org.org_id, driver)
    assert context.route_in_progress is not None
    assert context.route_in_progress.id == world.route_id
    assert [s.shipment_id for s in context.route_in_progress.stops] == [
        uuid.UUID(s["id"]) for s in world.shipments
    ]


async def test_a_context_is_read_again_only_when_its_route_changes(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    driver = uuid.UUID(make_driver(client, org, "ctx-1")["id"])
    contexts = DriverContexts(db, refresh_s=600.0)
    first = await contexts.get(org.org_id, driver)
    assert await contexts.get(org.org_id, driver) is first
    assert first.route is None
    assert not first.on_shift

    contexts.route_changed(uuid.uuid4())  # someone else's
    assert await contexts.get(org.org_id, driver) is first
    contexts.route_changed(driver)
    again = await contexts.get(org.org_id, driver)
    assert again.version > first.version
    assert contexts.reads == 2


class _Once:
    """A subscription that hears the given messages, then ends."""

    def __init__(self, *data: dict[str, str]) -> None:
        self.messages = [Message(routes_channel(), d) for d in data]
        self.closed = False

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[Message]:
        for message in self.messages:
            yield message

    async def close(self) -> None:
        self.closed = True


async def test_route_changes_heard_on_the_bus_reach_the_contexts(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    driver = uuid.UUID(make_driver(client, org, "ctx-bus")["id"])
    contexts = DriverContexts(db, refresh_s=600.0)
    first = await contexts.get(org.org_id, driver)
    heard = _Once({"type": "route_changed"}, {"type": "route_changed", "driver_id": str(driver)})

    await contexts.hear_route_changes(heard)  # type: ignore[arg-type]

    assert heard.closed
    assert (await contexts.get(org.org_id, driver)).version > first.version


async def test_a_closed_stop_is_a_route_change(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """Once a stop's closing committed, the contexts hear it and read the open stops again."""
    world = out_on_route(client, db, org, stops_east_m=(1500, 2500))
    bus = MemoryBus()
    subscription = await bus.subscribe(routes_channel())
    with db.session() as session:
        route = session.get_one(Route, world.route_id)
        stop = session.scalars(
            select(RouteStop).where(RouteStop.route_id == route.id).order_by(RouteStop.sequence)
        ).first()
        assert stop is not None
        shipment = session.get_one(Shipment, stop.shipment_id)
        jobs = stop_finished(
            session,
            route=route,
            stop=stop,
            shipment=shipment,
            at=datetime.now(UTC),
            position=None,
            at_the_door=False,
            eta_engine=None,
        )
        session.rollback()
    for job in jobs:
        await job(bus)

    message = await subscription.get(timeout_s=10)
    assert message is not None
    assert message.data == {"type": "route_changed", "driver_id": world.driver_id}
