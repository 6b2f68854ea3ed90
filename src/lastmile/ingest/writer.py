"""Group commit: fixes from concurrent requests share one transaction, and each request is
answered only once its fixes are committed.

A single task drains the queue: it takes whatever arrived within `wait_s` of the first batch
(up to `max_rows`), writes it in a worker thread, and resolves every waiting request with
the outcome. One commit then acknowledges hundreds of single-fix requests.

Writes run on a thread of their own (a limiter of one), never queued behind the worker
threads that the fix hooks and the other requests share: a burst of those once held
acknowledged fixes back for seconds (bench/load.py).
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio

from lastmile.ingest.store import FixStore, StoredFix

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    rows: Sequence[StoredFix]
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BatchWriter:
    def __init__(self, store: FixStore, *, wait_s: float = 0.005, max_rows: int = 20_000) -> None:
        self.store = store
        self.wait_s = wait_s
        self.max_rows = max_rows
        self.commits = 0
        self.rows_written = 0
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._thread = anyio.CapacityLimiter(1)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fix-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._flush(self._drain([]))
        self._task = None

    async def write(self, rows: Sequence[StoredFix]) -> None:
        """Return once `rows` are committed; raise if the write failed."""
        if not rows:
            return
        if self._task is None:
            await anyio.to_thread.run_sync(self.store.write, rows, limiter=self._thread)
            return
        pending = _Pending(rows)
        await self._queue.put(pending)
        await pending.done

    def _drain(self, taken: list[_Pending]) -> list[_Pending]:
        count = sum(len(p.rows) for p in taken)
        while count < self.max_rows and not self._queue.empty():
            pending = self._queue.get_nowait()
            taken.append(pending)
            count += len(pending.rows)
        return taken

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            taken = [await self._queue.get()]
            deadline = loop.time() + self.wait_s
            while loop.time() < deadline and sum(len(p.rows) for p in taken) < self.max_rows:
                try:
                    taken.append(await asyncio.wait_for(self._queue.get(), deadline - loop.time()))
                except TimeoutError:
                    break
            await self._flush(self._drain(taken))

    async def _flush(self, taken: list[_Pending]) -> None:
        if not taken:
            return
        rows = [row for pending in taken for row in pending.rows]
        try:
            await anyio.to_thread.run_sync(self.store.write, rows, limiter=self._thread)
        except Exception as error:
            log.exception("writing %d fixes failed; their requests get an error", len(rows))
            for pending in taken:
                if not pending.done.done():
                    pending.done.set_exception(error)
            return
        self.commits += 1
        self.rows_written += len(rows)
        for pending in taken:
            if not pending.done.done():
                pending.done.set_result(None)
