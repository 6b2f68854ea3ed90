"""The fix hot path: find the device's driver, run the pipeline, store durably, then publish."""

import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lastmile.alerts.monitor import FleetMonitor, Observation
from lastmile.bus.base import Bus, driver_channel, fleet_channel
from lastmile.config import Settings
from lastmile.db import Database, utcnow
from lastmile.ingest import standard_handlers
from lastmile.ingest.devices import DeviceDirectory, DeviceOwner
from lastmile.ingest.models import QUALITY_LATE, QUALITY_OK
from lastmile.ingest.pipeline import Pipeline, Status, TrackedFix
from lastmile.ingest.store import StoredFix
from lastmile.ingest.writer import BatchWriter
from lastmile.types import Fix

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    accepted: int = 0
    late: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "late": self.late, "rejected": dict(self.rejected)}


def build_pipeline(settings: Settings) -> Pipeline:
    """The handlers that run before storage, configured from settings."""
    return Pipeline(
        standard_handlers(
            max_accuracy_m=settings.ingest_max_accuracy_m,
            max_speed_mps=settings.ingest_max_speed_mps,
        )
    )


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
    )


TRAIL_POINTS = 500
"""At most this many of a batch's accepted fixes, the newest, ride on its position message: as
many as the Control Tower keeps of a driver's trail (control_tower.js)."""


def position_message(
    owner: DeviceOwner, live: Sequence[TrackedFix], received_at: datetime
) -> dict[str, Any]:
    """The bus message for one driver's accepted fixes of one batch; the last is the position,
    the newest `TRAIL_POINTS` the trail."""
    last = live[-1]
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
        "received_at": received_at.isoformat(),
        "fixes": [
            [t.fix.at.isoformat(), round(t.lat, 7), round(t.lon, 7)] for t in live[-TRAIL_POINTS:]
        ],
    }


def _observed(tracked: Sequence[TrackedFix]) -> list[Observation]:
    """What the alert detectors see: live fixes smoothed, rejected ones raw, history not at all."""
    return [
        Observation(
            at=t.fix.at,
            lat=t.lat,
            lon=t.lon,
            accuracy_m=t.fix.accuracy_m,
            mock=t.fix.mock,
            accepted=t.status == Status.LIVE,
        )
        for t in tracked
        if t.status != Status.LATE
    ]


AfterStore = Callable[[DeviceOwner, Sequence[TrackedFix]], Awaitable[None]]
"""Told of a driver's accepted fixes once they are stored and published; the acknowledgement
waits for it, so it must be cheap most of the time (e.g. throttled per driver)."""


class Ingestor:
    def __init__(
        self,
        *,
        database: Database,
        pipeline: Pipeline,
        writer: BatchWriter,
        bus: Bus,
        monitor: FleetMonitor | None = None,
    ) -> None:
        self.devices = DeviceDirectory(database)
        self.pipeline = pipeline
        self.writer = writer
        self.bus = bus
        self.monitor = monitor
        self.publish_failures = 0
        self.after_store: list[AfterStore] = []
        self.route_listeners: list[Callable[[uuid.UUID], None]] = []

    def route_changed(self, driver_id: uuid.UUID | None) -> None:
        """A driver's route was committed, started or edited in this process: the fix hooks
        re-read it at the driver's next fix instead of at their next periodic refresh."""
        if driver_id is None:
            return
        if self.monitor is not None:
            self.monitor.forget(driver_id)
        for listener in self.route_listeners:
            listener(driver_id)

    async def ingest(self, fixes: Sequence[Fix], *, owner: DeviceOwner) -> IngestResult:
        """Process fixes of one device; returns once they are stored, publishes after."""
        received_at = utcnow()
        tracked = self.pipeline.process_many(fixes)
        await self.writer.write([_stored(t, owner, received_at) for t in tracked])

        result = IngestResult()
        live = []
        for item in tracked:
            if item.status == Status.LIVE:
                result.accepted += 1
                live.append(item)
            elif item.status == Status.LATE:
                result.late += 1
            else:
                result.rejected[item.reason or "unknown"] += 1
        if live:
            await self._publish(owner, live, received_at)
            for listener in self.after_store:
                try:
                    await listener(owner, live)
                except Exception:
                    log.exception("after-store listener %r failed", listener)
        if self.monitor is not None:
            await self.monitor.observe(
                org_id=owner.org_id, driver_id=owner.driver_id, observations=_observed(tracked)
            )
        return result

    async def _publish(
        self, owner: DeviceOwner, live: Sequence[TrackedFix], received_at: datetime
    ) -> None:
        """Live fan-out after storage, to the fleet and to the driver's own channel (tracking
        pages); a failure costs a live update, never the stored fix."""
        message = position_message(owner, live, received_at)
        try:
            await self.bus.publish_to(
                (fleet_channel(owner.org_id), driver_channel(owner.driver_id)), message
            )
        except Exception:
            self.publish_failures += 1
            log.exception("publishing %d fixes of %s failed", len(live), owner.device_id)

    async def ingest_device(self, fixes: Sequence[Fix]) -> IngestResult:
        """Fixes from a device protocol that carries no tenant: the device id decides."""
        if not fixes:
            return IngestResult()
        owner = await self.devices.owner(fixes[0].device_id)
        return await self.ingest(fixes, owner=owner)
