"""Password and PIN hashing on threads of its own, a few at a time.

Argon2 is slow on purpose (about 0.1 s of one core per hash). Sign-ins run in the server's
worker threads: sixteen at once used to hash on sixteen threads and took every core from the
other requests (`/healthz` 8x slower, the tracking page 11x). Here at most `workers` hashes
run at once, one fewer than the machine has cores, so that one core is left for the rest;
callers beyond those wait their turn, and past `max_waiting` of them a caller is refused at
once (503 with `Retry-After`) instead of holding a worker thread as well.
"""

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from lastmile.errors import Busy

MAX_WAITING = 64
THREAD_PREFIX = "argon2"


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


class HashingGate:
    def __init__(self, *, workers: int | None = None, max_waiting: int = MAX_WAITING) -> None:
        self.workers = workers or default_workers()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix=THREAD_PREFIX)
        self._admitted = threading.BoundedSemaphore(self.workers + max_waiting)
        self.refused = 0

    def run[T](self, work: Callable[[], T]) -> T:
        """`work()` on one of the gate's threads; the caller waits for it without hashing."""
        if not self._admitted.acquire(blocking=False):
            self.refused += 1
            raise Busy("too many sign-ins are being checked at once: retry in a moment")
        try:
            return self._pool.submit(work).result()
        finally:
            self._admitted.release()


gate = HashingGate()
"""The process's one gate: every hash in the process goes through it."""
