"""Work that follows a stored batch, run off the request: per lane (a follower and a driver)
in arrival order, one batch at a time per lane, lanes independent of each other."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class DriverQueues:
    """Each lane's jobs run one after another in the order they were submitted.

    A job that raises is logged and counted (`failures`); the next one still runs. `settled`
    waits until every job submitted so far has finished: tests and shutdown wait on it,
    never on time.
    """

    def __init__(self) -> None:
        self.failures = 0
        self.done = 0
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._released = asyncio.Event()
        self._released.set()

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet finished."""
        return len(self._running)

    def submit(self, lane: Hashable, job: Job) -> None:
        """Run `job` after the lane's previous jobs; returns at once."""
        previous = self._tails.get(lane)
        task = asyncio.create_task(self._run(previous, job))
        self._tails[lane] = task
        self._running.add(task)
        task.add_done_callback(lambda finished: self._finished(lane, finished))

    async def _run(self, previous: asyncio.Task[None] | None, job: Job) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        await self._released.wait()
        try:
            await job()
        except Exception:
            self.failures += 1
            log.exception("work after a stored batch failed; the fixes are stored")

    def _finished(self, lane: Hashable, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self.done += 1
        if self._tails.get(lane) is task:
            del self._tails[lane]

    async def hold(self) -> None:
        """Let jobs queue up without starting until `release` (a test client holds them while
        a request runs, whose database connection they would otherwise share)."""
        self._released.clear()

    async def release(self) -> None:
        self._released.set()

    async def settled(self) -> None:
        """Return once every job submitted before and while waiting has finished."""
        while self._running:
            await asyncio.wait(list(self._running))
