import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from tests.common import make_org

from lastmile.alerts.monitor import FleetMonitor, Observation
from lastmile.bus import MemoryBus
from lastmile.bus.base import Subscription
from lastmile.db import Database
from lastmile.fleet import service as fleet
from lastmile.ingest import standard_handlers
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.models import fixes
from lastmile.ingest.pipeline import Pipeline, TrackedFix
from lastmile.ingest.service import TRAIL_POINTS, Ingestor, position_message
from lastmile.ingest.store import FixStore
from lastmile.ingest.writer import BatchWriter
from lastmile.types import Fix

pytestmark = pytest.mark.anyio


class BrokenBus:
    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        raise ConnectionError("bus down")

    async def publish_to(self, channels: Sequence[str], data: dict[str, Any]) -> None:
        raise ConnectionError("bus down")

    async def subscribe(self, *channels: str) -> Subscription:
        raise NotImplementedError

    async def close(self) -> None:
        return None


async def test_a_bus_failure_costs_the_live_update_not_the_fix(db: Database) -> None:
    org = make_org(db, "Bus down")
    with db.session() as session:
        fleet.create_driver(
            session=session, org_id=org.org_id, name="D", phone=None, device_ids=["bus-1"]
        )
        session.commit()
    ingestor = Ingestor(
        database=db,
        pipeline=Pipeline(standard_handlers()),
        writer=BatchWriter(FixStore(db)),
        bus=BrokenBus(),
    )
    at = datetime.now(UTC) - timedelta(minutes=1)
    result = await ingestor.ingest_device([Fix(device_id="bus-1", at=at, lat=60.0, lon=25.0)])
    assert result.accepted == 1
    assert ingestor.publish_failures == 1
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(fixes)) == 1


async def test_a_route_change_makes_the_fix_hooks_read_the_plan_again(db: Database) -> None:
    org = make_org(db, "Route change")
    with db.session() as session:
        driver = fleet.create_driver(
            session=session, org_id=org.org_id, name="D", phone=None, device_ids=["rc-1"]
        )
        session.commit()
    monitor = FleetMonitor(db, MemoryBus(), refresh_s=600)
    ingestor = Ingestor(
        database=db,
        pipeline=Pipeline(standard_handlers()),
        writer=BatchWriter(FixStore(db)),
        bus=MemoryBus(),
        monitor=monitor,
    )
    woken: list[uuid.UUID] = []
    ingestor.route_listeners.append(woken.append)
    seen = [Observation(datetime.now(UTC), 60.0, 25.0, 5.0, mock=False, accepted=True)]
    queries: list[str] = []

    def count(*args: object) -> None:
        queries.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        await monitor.observe(org_id=org.org_id, driver_id=driver.id, observations=seen)
        read = len(queries)
        await monitor.observe(org_id=org.org_id, driver_id=driver.id, observations=seen)
        assert len(queries) == read
        ingestor.route_changed(driver.id)
        await monitor.observe(org_id=org.org_id, driver_id=driver.id, observations=seen)
        assert len(queries) > read
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert woken == [driver.id]


def test_a_long_batch_carries_as_much_trail_as_the_control_tower_keeps() -> None:
    owner = DeviceOwner(org_id=uuid.uuid4(), driver_id=uuid.uuid4(), device_id="trail-1")
    start = datetime.now(UTC) - timedelta(hours=1)
    live = [
        TrackedFix(
            Fix(device_id="trail-1", at=start + timedelta(seconds=i), lat=60 + i / 1e5, lon=25)
        )
        for i in range(TRAIL_POINTS + 100)
    ]

    message = position_message(owner, live, received_at=start)

    assert len(message["fixes"]) == TRAIL_POINTS
    assert message["fixes"][0] == [live[100].fix.at.isoformat(), live[100].lat, 25]
    assert message["fixes"][-1][0] == message["at"] == live[-1].fix.at.isoformat()
