"""The fix-stream detectors, run per driver after fixes are stored (flow 1 of the architecture,
the alerts follower of `ingest.pipeline`).

Each driver's plan (route corridor, planned places, parcels on board, thresholds) is read from the
database about every `refresh_s` (spread, so that a fleet's reads do not come due together), off
the event loop, together with those of every other driver asked for meanwhile; the detectors
themselves are in memory.
Several processes each watch the drivers whose fixes reach them; alert keys make repeats from
another process update the same alert rather than open a second one.
"""

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import anyio

from lastmile.alerts import service
from lastmile.alerts.context import DriverDay, load_driver_days
from lastmile.alerts.detectors.deviation import DeviationDetector
from lastmile.alerts.detectors.halt import HaltDetector
from lastmile.alerts.detectors.spoofing import SpoofDetector
from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import Signal
from lastmile.bus.base import Bus
from lastmile.coalesce import Coalescer
from lastmile.db import Database, utcnow
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
    def __init__(self, day: DriverDay, due_at: float) -> None:
        self.day = day
        self.due_at = due_at
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
        self,
        database: Database,
        bus: Bus,
        *,
        refresh_s: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.bus = bus
        self.refresh_s = refresh_s
        self.clock = clock
        self.failures = 0
        self._watches: dict[uuid.UUID, _Watch] = {}
        self._loader = Coalescer(self._load)

    def _load(self, asked: dict[uuid.UUID, uuid.UUID]) -> dict[uuid.UUID, DriverDay]:
        """The days of the drivers asked for (driver_id → org_id), in one session."""
        drivers = {(org_id, driver_id) for driver_id, org_id in asked.items()}
        with self.database.session() as session:
            return load_driver_days(session, drivers=drivers, now=self.clock())

    async def _watch(self, org_id: uuid.UUID, driver_id: uuid.UUID) -> _Watch:
        watch = self._watches.get(driver_id)
        now = time.monotonic()
        if watch is not None and now < watch.due_at:
            return watch
        day = await self._loader.get(driver_id, org_id)
        due_at = now + spread(self.refresh_s)
        if watch is None or not watch.keeps_state_for(day):
            watch = self._watches[driver_id] = _Watch(day, due_at)
        else:
            watch.day, watch.due_at = day, due_at
        return watch

    async def follow(self, batch: StoredBatch) -> None:
        """As `observe`, but a failure is the fix path's to log and count (`/healthz`)."""
        owner = batch.owner
        await self._observe(owner.org_id, owner.driver_id, observed(batch.tracked))

    def route_changed(self, driver_id: uuid.UUID) -> None:
        self.forget(driver_id)

    def forget(self, driver_id: uuid.UUID | None = None) -> None:
        """Re-read plans at the next fix (after a route was committed or edited)."""
        if driver_id is None:
            self._watches.clear()
        else:
            self._watches.pop(driver_id, None)

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
