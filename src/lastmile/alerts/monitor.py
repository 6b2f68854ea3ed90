"""The fix-stream detectors, run per driver after fixes are stored (flow 1 of the architecture,
the alerts follower of `ingest.pipeline`).

Each driver's plan (route corridor, planned places, parcels on board) comes from their live
context (`dispatch.driver_context`, read once for ETA and alerts alike); the organisation's
thresholds are read about every `refresh_s` (spread); the detectors themselves are in memory.
Several processes each watch the drivers whose fixes reach them; alert keys make repeats from
another process update the same alert rather than open a second one.
"""

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import anyio

from lastmile.alerts import service
from lastmile.alerts.context import DriverDay, driver_day
from lastmile.alerts.detectors.deviation import DeviationDetector
from lastmile.alerts.detectors.halt import HaltDetector
from lastmile.alerts.detectors.spoofing import SpoofDetector
from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.bus.base import Bus
from lastmile.coalesce import Coalescer
from lastmile.db import Database
from lastmile.dispatch.driver_context import DriverContexts
from lastmile.ingest.filters import TELEPORTED
from lastmile.ingest.pipeline import StoredBatch
from lastmile.ingest.stages import Status, TrackedFix
from lastmile.spread import spread

log = logging.getLogger(__name__)


class Observation(NamedTuple):
    """One fix as the detectors see it; `accepted` is False for fixes the pipeline rejected.
    A tuple: one is made per fix, in about a third of a frozen dataclass's time."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None
    mock: bool
    accepted: bool
    relocated: bool = False
    """The track teleported to this fix (`ingest.filters.TELEPORTED`)."""


class _Watch:
    def __init__(self, day: DriverDay, version: int) -> None:
        self.day = day
        self.version = version
        driver = str(day.driver_id)
        self.halt = HaltDetector(driver, day.thresholds)
        self.spoof = SpoofDetector(driver, day.thresholds)
        self.deviation = (
            DeviationDetector(str(day.route_id), day.corridor, day.thresholds)
            if day.corridor is not None and day.route_id is not None
            else None
        )
        self.last_at: datetime | None = None

    def keeps_state_for(self, day: DriverDay) -> bool:
        """Detector state carries over a refresh unless the route or thresholds changed."""
        return day.route_id == self.day.route_id and day.thresholds == self.day.thresholds

    def signals(self, observations: Sequence[Observation]) -> list[Signal]:
        """Each batch is in time order per device; a driver with two phones (an app install
        and a Traccar Client, say) interleaves them, so a fix older than the newest accepted
        one already seen is history for the detectors, which read one track in time order."""
        found: list[Signal] = []
        halt_context = self.day.halt_context
        for seen in observations:
            found += self.spoof.push(
                seen.at, seen.lat, seen.lon, mock=seen.mock, relocated=seen.relocated
            )
            if not seen.accepted or (self.last_at is not None and seen.at <= self.last_at):
                continue
            self.last_at = seen.at
            found += self.halt.push(seen.at, seen.lat, seen.lon, halt_context)
            if self.deviation is not None:
                found += self.deviation.push(seen.at, seen.lat, seen.lon, seen.accuracy_m)
        return found


def observed(tracked: Sequence[TrackedFix]) -> list[Observation]:
    """What the detectors see: live fixes smoothed, rejected ones raw, history not at all."""
    return [
        Observation(
            at=t.fix.at,
            lat=t.lat,
            lon=t.lon,
            accuracy_m=t.fix.accuracy_m,
            mock=t.fix.mock,
            accepted=t.status == Status.LIVE,
            relocated=TELEPORTED in t.notes,
        )
        for t in tracked
        if t.status != Status.LATE
    ]


class FleetMonitor:
    """The alerts follower of the fix path (see `ingest.pipeline`)."""

    name = "alerts"

    def __init__(
        self, database: Database, bus: Bus, contexts: DriverContexts, *, refresh_s: float = 60.0
    ) -> None:
        self.database = database
        self.bus = bus
        self.contexts = contexts
        self.refresh_s = refresh_s
        self.failures = 0
        self._watches: dict[uuid.UUID, _Watch] = {}
        self._thresholds: dict[uuid.UUID, tuple[AlertThresholds, float]] = {}
        self._threshold_loader = Coalescer(self._load_thresholds)

    def _load_thresholds(self, asked: dict[uuid.UUID, None]) -> dict[uuid.UUID, AlertThresholds]:
        with self.database.session() as session:
            return {org_id: service.thresholds_for(session, org_id=org_id) for org_id in asked}

    async def _thresholds_of(self, org_id: uuid.UUID) -> AlertThresholds:
        known = self._thresholds.get(org_id)
        now = time.monotonic()
        if known is not None and now < known[1]:
            return known[0]
        thresholds = await self._threshold_loader.get(org_id, None)
        self._thresholds[org_id] = (thresholds, now + spread(self.refresh_s))
        return thresholds

    async def _watch(self, org_id: uuid.UUID, driver_id: uuid.UUID) -> _Watch:
        context = await self.contexts.get(org_id, driver_id)
        thresholds = await self._thresholds_of(org_id)
        watch = self._watches.get(driver_id)
        if (
            watch is not None
            and watch.version == context.version
            and watch.day.thresholds is thresholds
        ):
            return watch
        day = driver_day(context, thresholds)
        if watch is None or not watch.keeps_state_for(day):
            watch = self._watches[driver_id] = _Watch(day, context.version)
        else:
            watch.day, watch.version = day, context.version
        return watch

    async def follow(self, batch: StoredBatch) -> None:
        """As `observe`, but a failure is the fix path's to log and count (`/healthz`)."""
        owner = batch.owner
        await self._observe(owner.org_id, owner.driver_id, observed(batch.tracked))

    def _store(
        self, org_id: uuid.UUID, subject: Subject, signals: list[Signal]
    ) -> list[dict[str, Any]]:
        with self.database.session(writes=True) as session:
            changed = service.apply_signals(
                session, org_id=org_id, signals=signals, subject=subject
            )
            session.commit()
            return [alert_message(alert) for alert in changed]

    async def observe(
        self, *, org_id: uuid.UUID, driver_id: uuid.UUID, observations: Sequence[Observation]
    ) -> None:
        """Run the detectors over one batch of a driver's fixes, oldest first; never raises."""
        try:
            await self._observe(org_id, driver_id, observations)
        except Exception:
            self.failures += 1
            log.exception("alert detectors failed for driver %s", driver_id)

    async def _observe(
        self, org_id: uuid.UUID, driver_id: uuid.UUID, observations: Sequence[Observation]
    ) -> None:
        watch = await self._watch(org_id, driver_id)
        signals = watch.signals(observations)
        if not signals:
            return
        subject = Subject(driver_id=driver_id, route_id=watch.day.route_id)
        messages = await anyio.to_thread.run_sync(self._store, org_id, subject, signals)
        await publish_alerts(self.bus, org_id=org_id, messages=messages)
