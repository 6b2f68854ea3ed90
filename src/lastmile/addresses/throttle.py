"""A service's rate limit kept from our side: one request per interval, and none at all
until the time a 429's `Retry-After` named. Thread-safe (sync views run in a thread pool).
"""

import threading
import time
from collections.abc import Callable


class Throttle:
    """Hands out request slots at most one per `min_interval_s`; a caller whose slot is
    further off than it may wait is refused (and takes no slot)."""

    def __init__(
        self,
        min_interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval_s = min_interval_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free = 0.0
        self._blocked_until = 0.0

    def acquire(self, max_wait_s: float) -> bool:
        """Wait for this caller's slot and take it; False (at once) when it is more than
        `max_wait_s` away."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_free, self._blocked_until)
            if slot - now > max_wait_s:
                return False
            self._next_free = slot + self._interval_s
        if slot > now:
            self._sleep(slot - now)
        return True

    def back_off(self, retry_after_s: float) -> None:
        """The service said 429: ask nothing before `retry_after_s` from now."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + retry_after_s)

    def blocked_for_s(self) -> float:
        """How long until the service may be asked again after a 429 (0 when it may)."""
        with self._lock:
            return max(0.0, self._blocked_until - self._clock())
