import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.common import make_org

from lastmile.bus.base import Subscription
from lastmile.db import Database
from lastmile.fleet import service as fleet
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.models import fixes
from lastmile.ingest.pipeline import (
    TRAIL_POINTS,
    Follower,
    Ingestor,
    PublishPositions,
    StoredBatch,
    clean_stages,
    position_message,
)
from lastmile.ingest.stages import Stages, TrackedFix
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


def _ingestor(db: Database, *followers: Follower, beside: Follower | None = None) -> Ingestor:
    """Followers in one lane, in order; `beside` alone in a lane of its own."""
    lanes = {"database": list(followers), "live": [beside] if beside is not None else []}
    return Ingestor(
        database=db, stages=Stages(clean_stages()), writer=BatchWriter(FixStore(db)), lanes=lanes
    )


def _driver(db: Database, device_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    org = make_org(db, f"Org of {device_id}")
    with db.session() as session:
        driver = fleet.create_driver(
            session=session, org_id=org.org_id, name="D", phone=None, device_ids=[device_id]
        )
        session.commit()
        return org.org_id, driver.id


def _stored_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(fixes)) or 0


class Gate:
    """A follower that records each batch and, while closed, holds the driver's queue."""

    name = "gate"

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.entered = asyncio.Event()
        self.seen: list[datetime] = []

    async def follow(self, batch: StoredBatch) -> None:
        self.entered.set()
        await self.open.wait()
        self.seen += [t.fix.at for t in batch.tracked]


class Broken:
    name = "broken"

    async def follow(self, batch: StoredBatch) -> None:
        raise RuntimeError("follower down")


async def test_the_acknowledgement_waits_for_storage_only(db: Database) -> None:
    _driver(db, "ack-1")
    gate = Gate()
    ingestor = _ingestor(db, gate)
    at = datetime.now(UTC) - timedelta(minutes=1)
    result = await ingestor.ingest_device([Fix(device_id="ack-1", at=at, lat=60.0, lon=25.0)])
    assert result.accepted == 1
    assert _stored_count(db) == 1
    await gate.entered.wait()
    assert gate.seen == []
    assert ingestor.queues.pending == 1
    gate.open.set()
    await ingestor.settled()
    assert gate.seen == [at]
    assert ingestor.queues.pending == 0


async def test_followers_see_a_driver_s_batches_in_order_and_a_failure_is_counted(
    db: Database,
) -> None:
    _driver(db, "order-1")
    gate = Gate()
    ingestor = _ingestor(db, Broken(), gate)
    start = datetime.now(UTC) - timedelta(minutes=5)
    times = [start + timedelta(seconds=10 * i) for i in range(4)]
    for at in times:
        fix = Fix(device_id="order-1", at=at, lat=60.0 + 0.0001 * times.index(at), lon=25.0)
        await ingestor.ingest_device([fix])
    gate.open.set()
    await ingestor.settled()
    assert gate.seen == times
    assert ingestor.follower_failures == {"broken": 4}
    assert _stored_count(db) == 4


class Recorder:
    """A follower that notes each batch at once."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen = asyncio.Event()

    async def follow(self, batch: StoredBatch) -> None:
        self.seen.set()


async def test_a_slow_lane_holds_back_no_other(db: Database) -> None:
    """The ETA taking its time must not keep the position off the map."""
    _driver(db, "lanes-1")
    slow, quick = Gate(), Recorder()
    ingestor = _ingestor(db, slow, beside=quick)
    at = datetime.now(UTC) - timedelta(minutes=1)
    await ingestor.ingest_device([Fix(device_id="lanes-1", at=at, lat=60.0, lon=25.0)])
    await asyncio.wait_for(quick.seen.wait(), timeout=10)
    assert slow.seen == []
    slow.open.set()
    await ingestor.settled()
    assert slow.seen == [at]


async def test_a_bus_failure_costs_the_live_update_not_the_fix(db: Database) -> None:
    _driver(db, "bus-1")
    ingestor = _ingestor(db, PublishPositions(BrokenBus()))
    at = datetime.now(UTC) - timedelta(minutes=1)
    result = await ingestor.ingest_device([Fix(device_id="bus-1", at=at, lat=60.0, lon=25.0)])
    assert result.accepted == 1
    await ingestor.settled()
    assert ingestor.follower_failures == {"publish": 1}
    assert _stored_count(db) == 1


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
