"""Replay drivers' days against a server on a `SimClock`, as their phones would.

Each driver yields two time-ordered streams, phone uploads and app actions; all of them are
merged by sending time. The runner waits for the clock, then hands the message to a task that
holds the driver's lock (so one phone's requests reach the server in order, as on a phone)
and a global slot (bounded concurrency). Failed requests are retried with back-off like a
phone does; what the server refused is counted, with the first few answers kept.
"""

import asyncio
import functools
import heapq
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from lastmile.sim.actions import DriverActions
from lastmile.sim.clock import SimClock
from lastmile.sim.driver import Action, DriverDay
from lastmile.sim.gps import PhoneDay, PhoneProfile, Upload, phone_uploads
from lastmile.sim.wire import upload_requests

RETRIES = 4


@dataclass(eq=False)
class SimPhone:
    """A driver's day and the phone that reports it."""

    day: DriverDay
    profile: PhoneProfile
    conditions: PhoneDay
    seed: int

    def uploads(self) -> Iterator[Upload]:
        return phone_uploads(
            self.day.trajectory,
            device_id=self.day.route.device_id,
            profile=self.profile,
            day=self.conditions,
            rng=random.Random(self.seed),
            start_s=self.day.start_s,
            end_s=self.day.end_s,
        )


@dataclass
class RunStats:
    """What a run sent and how the server answered."""

    uploads: int = 0
    fixes: int = 0
    late_fixes: int = 0
    actions: int = 0
    refused: int = 0
    failed: int = 0
    retries: int = 0
    sim_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)

    def note_error(self, text: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(text)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_s)
        return {
            "uploads": self.uploads,
            "fixes": self.fixes,
            "late_fixes": self.late_fixes,
            "actions": self.actions,
            "refused": self.refused,
            "failed": self.failed,
            "retries": self.retries,
            "request_p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
            "request_p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 1) if lat else None,
        }


Message = tuple[float, int, Upload | Action, str]


def messages(
    phones: list[SimPhone], script: Callable[[DriverDay], list[Action]] | None = None
) -> Iterator[Message]:
    """Every upload and action of every phone, in sending order (ties: uploads first); the
    actions as `script` has the driver send them (default: the day's own)."""
    streams: list[Iterator[Message]] = []
    for phone in phones:
        device = phone.day.route.device_id
        actions = script(phone.day) if script else phone.day.actions
        streams.append((u.send_s, 0, u, device) for u in phone.uploads())
        streams.append((a.at_s, 1, a, device) for a in actions)
    return heapq.merge(*streams, key=lambda m: (m[0], m[1]))


class Runner:
    """Send phones' messages to `base_url` on `clock`."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        actions: DriverActions,
        clock: SimClock,
        concurrency: int = 64,
        progress: Callable[[RunStats, float], None] | None = None,
        progress_every_s: float = 5.0,
    ) -> None:
        self.client = client
        self.actions = actions
        self.clock = clock
        self.stats = RunStats()
        self._slots = asyncio.Semaphore(concurrency)
        self._locks: dict[str, asyncio.Lock] = {}
        self._progress = progress
        self._progress_every_s = progress_every_s

    async def run(self, phones: list[SimPhone], *, resume_s: float | None = None) -> RunStats:
        """Send everything; returns once every request has been answered.

        From `resume_s` on, for a day taken up again: the actions before it go at once (the
        driver app's are replayed, and the server answers what it already has as before), the
        uploads before it are skipped.
        """
        tasks: set[asyncio.Task[None]] = set()
        last_report = time.monotonic()
        for send_s, _, item, device in messages(phones, self.actions.script):
            if resume_s is not None and send_s < resume_s and isinstance(item, Upload):
                continue
            await self.clock.wait_until(send_s)
            await self._slots.acquire()
            lock = self._locks.setdefault(device, asyncio.Lock())
            task = asyncio.create_task(self._send(item, lock))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            self.stats.sim_s = send_s
            if self._progress and time.monotonic() - last_report >= self._progress_every_s:
                last_report = time.monotonic()
                self._progress(self.stats, send_s)
        if tasks:
            await asyncio.gather(*tasks)
        return self.stats

    async def _send(self, item: Upload | Action, lock: asyncio.Lock) -> None:
        try:
            async with lock:
                if isinstance(item, Upload):
                    await self._upload(item)
                else:
                    response = await self._retrying(lambda: self.actions.perform(self.client, item))
                    self.stats.actions += 1
                    self._check(response, f"{item.kind} {item.tracking_number or item.route_id}")
        finally:
            self._slots.release()

    async def _upload(self, upload: Upload) -> None:
        late = upload.send_s - upload.fixes[0].at_s > 60.0
        for request in upload_requests(upload):
            send = functools.partial(self.actions.upload, self.client, request, upload.device_id)
            response = await self._retrying(send)
            self._count(response, upload, len(request.fix_times_s), late)

    def _count(
        self, response: httpx.Response | None, upload: Upload, fixes: int, late: bool
    ) -> None:
        self.stats.uploads += 1
        if self._check(response, f"upload {upload.device_id}"):
            self.stats.fixes += fixes
            if late:
                self.stats.late_fixes += fixes

    def _check(self, response: httpx.Response | None, what: str) -> bool:
        if response is None:
            self.stats.failed += 1
            self.stats.note_error(f"{what}: no answer after {RETRIES} tries")
            return False
        if response.is_success:
            return True
        self.stats.refused += 1
        self.stats.note_error(f"{what}: {response.status_code} {response.text[:300]}")
        return False

    async def _retrying(self, send: Callable[[], Any]) -> httpx.Response | None:
        delay = 0.2
        for attempt in range(RETRIES):
            started = time.perf_counter()
            try:
                response: httpx.Response = await send()
            except httpx.TransportError as error:
                self.stats.note_error(f"transport: {error!r}")
            else:
                self.stats.latencies_s.append(time.perf_counter() - started)
                if response.status_code < 500 and response.status_code != 429:
                    return response
            if attempt + 1 < RETRIES:
                self.stats.retries += 1
                await asyncio.sleep(delay)
                delay *= 2
        return None
