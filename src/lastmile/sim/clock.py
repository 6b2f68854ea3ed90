"""Simulated time that never runs ahead of real time.

The server refuses fixes stamped more than a few minutes in the future, and events that "have
not happened yet". So an accelerated day is laid in the past: it starts at
`now - duration * (1 - 1/speed)` and, running `speed` times faster than real time, ends just
as real time catches up with it. If the day runs longer than planned (incidents), the clock
reaches real time early and goes on in real time, live. At `speed=inf` (tests, benchmarks)
the clock jumps straight to the next thing to send, as long as it lies in the past.
"""

import asyncio
import math
import time
from collections.abc import Callable


def anchored_start_s(*, duration_s: float, speed: float, now_s: float) -> float:
    """The latest start at which a day of `duration_s` at `speed` never runs ahead of `now_s`.

    >>> anchored_start_s(duration_s=3600.0, speed=60.0, now_s=10_000.0)
    6460.0
    >>> anchored_start_s(duration_s=3600.0, speed=1.0, now_s=10_000.0)
    10000.0
    """
    return now_s - duration_s * (1.0 - 1.0 / speed)


class SimClock:
    """Simulated epoch seconds: `start_s + speed * elapsed`, capped at real time."""

    def __init__(
        self,
        *,
        start_s: float,
        speed: float,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed {speed} must be positive")
        self.start_s = start_s
        self.speed = speed
        self._wall = wall
        self._monotonic = monotonic
        self._origin = monotonic()
        self._reached = start_s

    def now_s(self) -> float:
        """The simulated moment; at infinite speed, the last moment waited for."""
        if math.isinf(self.speed):
            return min(self._reached, self._wall())
        elapsed = self._monotonic() - self._origin
        return min(self.start_s + self.speed * elapsed, self._wall())

    def real_delay_s(self, sim_s: float) -> float:
        """Real seconds until the clock shows `sim_s` (0 when it already does)."""
        behind_real = sim_s - self._wall()
        if math.isinf(self.speed):
            return max(0.0, behind_real)
        elapsed = self._monotonic() - self._origin
        return max(0.0, (sim_s - self.start_s) / self.speed - elapsed, behind_real)

    async def wait_until(self, sim_s: float) -> None:
        """Return once the simulated clock has reached `sim_s`."""
        while (delay := self.real_delay_s(sim_s)) > 0:
            await asyncio.sleep(min(delay, 1.0))
        self._reached = max(self._reached, sim_s)
