"""Many concurrent requests for per-driver reads answered by one read of them all.

Callers ask for one key each and wait. One task runs `load` on a worker thread with every key
asked so far (up to `max_keys`); keys asked while it runs go in the next call. With little
traffic a call carries one key; under a burst (a fleet's first fixes after a restart) the
calls grow instead of the queue of threads, each opening its own session.
"""

import asyncio
import itertools
from collections.abc import Callable, Mapping

import anyio

MAX_KEYS = 500


class Coalescer[K, R, V]:
    """`load(requests)` maps each key to its value, or to the exception to raise for it alone;
    a key asked twice before its call began gets the later request and both wait for it."""

    def __init__(
        self, load: Callable[[dict[K, R]], Mapping[K, V | Exception]], *, max_keys: int = MAX_KEYS
    ) -> None:
        self.load = load
        self.max_keys = max_keys
        self.calls = 0
        self._asked: dict[K, tuple[R, list[asyncio.Future[V]]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def get(self, key: K, request: R) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        waiting = self._asked[key][1] if key in self._asked else []
        waiting.append(future)
        self._asked[key] = (request, waiting)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="coalescer")
        return await future

    async def _run(self) -> None:
        while self._asked:
            keys = list(itertools.islice(self._asked, self.max_keys))
            taken = {key: self._asked.pop(key) for key in keys}
            requests = {key: request for key, (request, _) in taken.items()}
            try:
                found = await anyio.to_thread.run_sync(self.load, requests)
                self.calls += 1
            except Exception as error:
                found = dict.fromkeys(keys, error)
            for key, (_, waiting) in taken.items():
                value = found.get(key, KeyError(key))
                for future in waiting:
                    if future.done():
                        continue
                    if isinstance(value, Exception):
                        future.set_exception(value)
                    else:
                        future.set_result(value)
