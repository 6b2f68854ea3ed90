import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.common import make_org

from lastmile.alerts.detectors.spoofing import SpoofDetector
from lastmile.alerts.monitor import observed
from lastmile.alerts.signals import AlertKind
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.bus import MemoryBus
from lastmile.bus.base import Subscription, driver_channel, fleet_channel
from lastmile.db import Database
from lastmile.fleet import service as fleet
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.models import DriverPosition, fixes
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


def test_the_trail_leaves_out_suspect_fixes_even_when_the_last_is_trusted_again() -> None:
    owner = DeviceOwner(org_id=uuid.uuid4(), driver_id=uuid.uuid4(), device_id="trail-2")
    start = datetime.now(UTC) - timedelta(hours=1)
    live = [
        TrackedFix(
            Fix(device_id="trail-2", at=start + timedelta(seconds=i), lat=60 + i / 1e5, lon=25),
            suspect=i < 3,
        )
        for i in range(5)
    ]

    message = position_message(owner, live, received_at=start)

    assert message["suspect"] is False
    assert [point[0] for point in message["fixes"]] == [t.fix.at.isoformat() for t in live[3:]]


async def test_a_teleport_reaches_the_dispatcher_flagged_and_no_customer(db: Database) -> None:
    """Three consistent fixes 55 km from a driven track re-anchor it (the speed stage cannot
    tell a forger from a GPS recovery): stored, on the fleet's map flagged `suspect`, not on the
    driver's channel (tracking pages) until ten minutes of plausible movement have passed."""
    org_id, driver_id = _driver(db, "teleport-1")
    bus = MemoryBus()
    fleet_sub = await bus.subscribe(fleet_channel(org_id))
    customer_sub = await bus.subscribe(driver_channel(driver_id))
    ingestor = _ingestor(db, beside=PublishPositions(bus))
    owner = DeviceOwner(org_id=org_id, driver_id=driver_id, device_id="teleport-1")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def fix(at_s: int, lat: float) -> Fix:
        return Fix(device_id="teleport-1", at=start + timedelta(seconds=at_s), lat=lat, lon=24.9)

    driven = [fix(s, 60.17 + s * 1e-5) for s in range(0, 30, 5)]
    forged = [fix(s, 60.67 + s * 1e-5) for s in range(30, 45, 5)]
    regained = [fix(s, 60.67 + s * 1e-5) for s in range(45, 700, 60)]

    async def send(fixes: list[Fix]) -> tuple[list[Any], list[Any]]:
        for one in fixes:
            await ingestor.ingest([one], owner=owner)
        await ingestor.settled()
        return [m.data for m in fleet_sub.ready(100)], [m.data for m in customer_sub.ready(100)]

    def suspect_now() -> bool:
        with db.session() as session:
            position = session.get(DriverPosition, driver_id)
            assert position is not None
            return position.suspect

    await send(driven)
    fleet_seen, customers_seen = await send(forged)
    assert [m["suspect"] for m in fleet_seen] == [True], "the dispatcher sees it, flagged"
    assert fleet_seen[0]["at"] == forged[-1].at.isoformat()
    assert customers_seen == [], "no customer's map moves"
    assert suspect_now()
    assert ingestor.stages.counters["note.speed.teleported"] == 1
    assert _stored_count(db) == len(driven) + len(forged), "every fix is stored"

    fleet_seen, customers_seen = await send(regained)
    assert [m["suspect"] for m in fleet_seen] == [True] * 10 + [False]
    assert [m["at"] for m in customers_seen] == [regained[-1].at.isoformat()], "10 min on: trusted"
    assert not suspect_now()
    await fleet_sub.close()
    await customer_sub.close()


def test_the_spoofing_detector_raises_on_one_teleport() -> None:
    """One teleport counts one impossible jump (the rejected fixes agree with one another), so a
    burst of jumps never shows it: the pipeline's note does."""
    stages = Stages(clean_stages())
    detector = SpoofDetector("d1", AlertThresholds())
    start = datetime.now(UTC) - timedelta(hours=1)
    fixes = [
        Fix(device_id="t", at=start + timedelta(seconds=s), lat=lat + s * 1e-5, lon=24.9)
        for s, lat in [
            *((s, 60.17) for s in range(0, 60, 5)),
            *((s, 60.67) for s in range(60, 90, 5)),
        ]
    ]
    seen = observed([stages.process(fix) for fix in fixes])
    assert [o.relocated for o in seen].count(True) == 1
    signals = [
        s
        for o in seen
        for s in detector.push(o.at, o.lat, o.lon, mock=o.mock, relocated=o.relocated)
    ]
    assert [s.kind for s in signals] == [AlertKind.SPOOFED_LOCATION]
    assert "hidden from customers" in signals[0].title
