"""The whole path of a GPS fix, in the order it happens.

Before this module, one decoder per way in (`protocols/`) turns a request into `Fix`es (one
unit per quantity, UTC) and finds the device's owner. Then, for one device's batch:

1. **clean**: the pure stages, in order, per device: dedupe → order → accuracy → speed →
   smooth (`clean_stages`). A fix may come out live, late (history only) or rejected.
2. **persist**: every fix, whatever its verdict, is written durably with its quality (group
   commit; binary COPY on PostgreSQL).
3. **acknowledge**: `Ingestor.ingest` returns the counts. Storage is all the phone waits for.
4. then, off the request, the followers, named in order by `build_ingestor` in two lanes:
   the **live** lane publishes the position (bus: Control Tower, tracking pages); the
   **database** lane updates the **ETA** (`eta.live`), then runs the **alerts**
   (`alerts.monitor`, the fix-stream detectors). Each lane sees a driver's batches in
   arrival order, one at a time (`queues.DriverQueues`), and neither waits for the other: a
   slow ETA never holds back the position on the map. A follower that fails is logged and
   counted; the next one still runs, and the fixes are stored whatever they do.

The ETA and the alerts read what they need of a driver's day from one live context per
process (`dispatch.driver_context`), read again when a route changes in any process.
"""

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from lastmile.bus.base import Bus, driver_channel, fleet_channel
from lastmile.config import Settings
from lastmile.db import Database, utcnow
from lastmile.ingest.devices import DeviceDirectory, DeviceOwner
from lastmile.ingest.filters import (
    DEFAULT_MAX_ACCURACY_M,
    DEFAULT_MAX_SPEED_MPS,
    AccuracyFilter,
    Dedupe,
    OrderGuard,
    SpeedFilter,
)
from lastmile.ingest.models import QUALITY_LATE, QUALITY_OK
from lastmile.ingest.queues import DriverQueues
from lastmile.ingest.smoothing import Smooth
from lastmile.ingest.stages import Handler, Stages, Status, TrackedFix
from lastmile.ingest.store import StoredFix
from lastmile.ingest.writer import BatchWriter
from lastmile.types import Fix

log = logging.getLogger(__name__)


# --- 1. clean ----------------------------------------------------------------------------


def clean_stages(
    *, max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M, max_speed_mps: float = DEFAULT_MAX_SPEED_MPS
) -> list[Handler]:
    """The pure stages in order; leave one out of the list to switch it off."""
    return [
        Dedupe(),
        OrderGuard(),
        AccuracyFilter(max_accuracy_m=max_accuracy_m),
        SpeedFilter(max_speed_mps=max_speed_mps),
        Smooth(),
    ]


# --- 2. persist --------------------------------------------------------------------------


def _quality(tracked: TrackedFix) -> str:
    if tracked.status == Status.LIVE:
        return QUALITY_OK
    if tracked.status == Status.LATE:
        return QUALITY_LATE
    return f"rejected:{tracked.reason}"


def _stored(tracked: TrackedFix, owner: DeviceOwner, received_at: datetime) -> StoredFix:
    fix = tracked.fix
    return StoredFix(
        driver_id=owner.driver_id,
        org_id=owner.org_id,
        device_id=owner.device_id,
        at=fix.at,
        received_at=received_at,
        lat=fix.lat,
        lon=fix.lon,
        smoothed_lat=tracked.smoothed_lat,
        smoothed_lon=tracked.smoothed_lon,
        accuracy_m=fix.accuracy_m,
        speed_mps=fix.speed_mps,
        heading_deg=fix.heading_deg,
        altitude_m=fix.altitude_m,
        battery_pct=fix.battery_pct,
        mock=fix.mock,
        quality=_quality(tracked),
        suspect=tracked.suspect,
    )


# --- 3. acknowledge ----------------------------------------------------------------------


@dataclass
class IngestResult:
    accepted: int = 0
    late: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "late": self.late, "rejected": dict(self.rejected)}

    @classmethod
    def of(cls, tracked: Sequence[TrackedFix]) -> "IngestResult":
        result = cls()
        for item in tracked:
            if item.status == Status.LIVE:
                result.accepted += 1
            elif item.status == Status.LATE:
                result.late += 1
            else:
                result.rejected[item.reason or "unknown"] += 1
        return result


# --- 4. the followers --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """One device's batch once stored, as the followers see it: every fix with its verdict,
    oldest first."""

    owner: DeviceOwner
    tracked: Sequence[TrackedFix]
    received_at: datetime
    live: Sequence[TrackedFix] = field(init=False)
    """The accepted fixes, which publish and ETA read; picked out once for both."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "live", [t for t in self.tracked if t.status == Status.LIVE])


class Follower(Protocol):
    """A step after the acknowledgement; `name` labels its log lines and failure counter."""

    @property
    def name(self) -> str: ...

    async def follow(self, batch: StoredBatch) -> None: ...


TRAIL_POINTS = 500
"""At most this many of a batch's trusted fixes, the newest, ride on its position message: as
many as the Control Tower keeps of a driver's trail (control_tower.js)."""


def position_message(
    owner: DeviceOwner, live: Sequence[TrackedFix], received_at: datetime
) -> dict[str, Any]:
    """The bus message for one driver's accepted fixes of one batch; the last is the position
    (flagged `suspect` when it is), the newest `TRAIL_POINTS` of the fixes not suspect the
    trail: a teleport's fixes are never drawn as where the driver went, even in a batch whose
    last fix is trusted again."""
    last = live[-1]
    trail = [t for t in live if not t.suspect][-TRAIL_POINTS:]
    return {
        "type": "position",
        "driver_id": str(owner.driver_id),
        "device_id": owner.device_id,
        "lat": last.lat,
        "lon": last.lon,
        "at": last.fix.at.isoformat(),
        "speed_mps": last.fix.speed_mps,
        "heading_deg": last.fix.heading_deg,
        "accuracy_m": last.fix.accuracy_m,
        "mock": last.fix.mock,
        "suspect": last.suspect,
        "received_at": received_at.isoformat(),
        "fixes": [[t.fix.at.isoformat(), round(t.lat, 7), round(t.lon, 7)] for t in trail],
    }


class PublishPositions:
    """Live fan-out to the fleet and to the driver's own channel (tracking pages); a suspect
    position (a teleported track not trusted again yet) goes to the fleet only, flagged."""

    name = "publish"

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def follow(self, batch: StoredBatch) -> None:
        live = batch.live
        if live:
            message = position_message(batch.owner, live, batch.received_at)
            fleet = fleet_channel(batch.owner.org_id)
            if live[-1].suspect:
                await self.bus.publish_to((fleet,), message)
            else:
                await self.bus.publish_to((fleet, driver_channel(batch.owner.driver_id)), message)


# --- the whole path ----------------------------------------------------------------------


class Ingestor:
    """Clean → persist → acknowledge, then each follower per driver off the request."""

    def __init__(
        self,
        *,
        database: Database,
        stages: Stages,
        writer: BatchWriter,
        lanes: Mapping[str, Sequence[Follower]],
    ) -> None:
        self.devices = DeviceDirectory(database)
        self.stages = stages
        self.writer = writer
        self.lanes = {name: tuple(followers) for name, followers in lanes.items() if followers}
        self.followers = tuple(f for followers in self.lanes.values() for f in followers)
        self.follower_failures: Counter[str] = Counter()
        self.queues = DriverQueues()

    async def ingest(self, fixes: Sequence[Fix], *, owner: DeviceOwner) -> IngestResult:
        """Process fixes of one device; returns once they are stored."""
        received_at = utcnow()
        tracked = self.stages.process_many(fixes)
        await self.writer.write([_stored(t, owner, received_at) for t in tracked])
        batch = StoredBatch(owner, tracked, received_at)
        for lane, followers in self.lanes.items():
            self.queues.submit((lane, owner.driver_id), partial(self._follow, followers, batch))
        return IngestResult.of(tracked)

    async def ingest_device(self, fixes: Sequence[Fix]) -> IngestResult:
        """Fixes from a device protocol that carries no tenant: the device id decides."""
        if not fixes:
            return IngestResult()
        owner = await self.devices.owner(fixes[0].device_id)
        return await self.ingest(fixes, owner=owner)

    async def _follow(self, followers: Sequence[Follower], batch: StoredBatch) -> None:
        for follower in followers:
            try:
                await follower.follow(batch)
            except Exception:
                self.follower_failures[follower.name] += 1
                log.exception(
                    "%s failed after %d stored fixes of %s",
                    follower.name,
                    len(batch.tracked),
                    batch.owner.device_id,
                )

    async def settled(self) -> None:
        """Wait until the followers have handled every batch acknowledged so far."""
        await self.queues.settled()

    def health(self) -> dict[str, Any]:
        """What `/healthz` shows of the fix path."""
        failures = Counter(self.follower_failures)
        for follower in self.followers:  # those that also keep a count of their own
            failures[follower.name] += getattr(follower, "failures", 0)
        return {
            "following": self.queues.pending,
            "followed": self.queues.done,
            "follower_failures": {name: n for name, n in failures.items() if n},
            "stage_counters": dict(self.stages.counters),
            "unknown_devices": self.devices.unknown,
        }


def build_ingestor(
    settings: Settings,
    *,
    database: Database,
    bus: Bus,
    writer: BatchWriter,
    eta: Follower | None,
    alerts: Follower | None,
) -> Ingestor:
    """The one place the fix path is put together: every stage and follower, in order."""
    stages = clean_stages(
        max_accuracy_m=settings.ingest_max_accuracy_m, max_speed_mps=settings.ingest_max_speed_mps
    )
    return Ingestor(
        database=database,
        stages=Stages(stages),
        writer=writer,
        lanes={
            "live": [PublishPositions(bus)],
            # Both read and write the database: one at a time per driver, ETAs first.
            "database": [f for f in (eta, alerts) if f is not None],
        },
    )
