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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MIDNIGHT_MARGIN_S = 120.0
"""How far from the hub's local midnight a simulated day keeps."""


def anchored_start_s(*, duration_s: float, speed: float, now_s: float) -> float:
    """The latest start at which a day of `duration_s` at `speed` never runs ahead of `now_s`.

    >>> anchored_start_s(duration_s=3600.0, speed=60.0, now_s=10_000.0)
    6460.0
    >>> anchored_start_s(duration_s=3600.0, speed=1.0, now_s=10_000.0)
    10000.0
    """
    return now_s - duration_s * (1.0 - 1.0 / speed)


def day_start_s(
    *, duration_s: float, speed: float, now_s: float, timezone: str, head_start_s: float = 0.0
) -> float:
    """The start of a simulated day that never runs ahead of real time and fits one local date.

    The latest such start is `now - duration * (1 - 1/speed)`, `head_start_s` earlier for a
    clock that catches up (see `SimClock`); when that day would cross the hub's local
    midnight it moves back to end before it, so the planner sees one date. `longest_day_s`
    says how long a day can be without that move.
    """
    start = anchored_start_s(duration_s=duration_s, speed=speed, now_s=now_s) - head_start_s
    zone = ZoneInfo(timezone)
    midnight = _midnight_s(datetime.fromtimestamp(start, zone).date() + timedelta(days=1), zone)
    if start + duration_s > midnight - MIDNIGHT_MARGIN_S:
        start = midnight - duration_s - MIDNIGHT_MARGIN_S
    return float(math.floor(start / 60.0) * 60.0)


def longest_day_s(
    *, duration_s: float, speed: float, now_s: float, timezone: str, head_start_s: float = 0.0
) -> float:
    """The longest day, up to `duration_s`, that `day_start_s` lays out on today's local date.

    Such a day starts at `now - head - D(1 - 1/speed)` and ends at `now - head + D/speed`:
    the end bounds D by the coming midnight, the start (when faster than real time) by the
    last one.

    At noon UTC a real-time day ends two minutes before midnight at the latest:

    >>> longest_day_s(duration_s=86_400, speed=1, now_s=1_764_072_000, timezone="UTC")
    43080.0
    """
    zone = ZoneInfo(timezone)
    anchor_s = now_s - head_start_s
    today = datetime.fromtimestamp(anchor_s, zone).date()
    after_s = _midnight_s(today + timedelta(days=1), zone) - MIDNIGHT_MARGIN_S - anchor_s
    before_s = anchor_s - _midnight_s(today, zone) - MIDNIGHT_MARGIN_S - 60.0
    longest = duration_s
    if math.isfinite(speed):
        longest = min(longest, speed * after_s)
    if speed > 1.0:
        longest = min(longest, before_s / (1.0 - 1.0 / speed))
    return float(max(0.0, longest))


@dataclass(frozen=True, slots=True)
class DayLayout:
    """Where a simulated day lies: its start, its length, and the head start it opens with."""

    start_s: float
    duration_s: float
    head_start_s: float


def lay_out_day(
    *,
    duration_s: float,
    speed: float,
    now_s: float,
    timezone: str,
    head_start_s: float = 0.0,
    shortest_s: float = 0.0,
    after: date | None = None,
) -> DayLayout:
    """The day, up to `duration_s` long, that is live soonest and fits one local date at the hub.

    At real-time speed the day runs on the real clock, so it must lie on today's date: its head
    start is cut to begin after today's midnight, its length to end before the next one. When
    no day of `shortest_s` fits before that midnight any more (late in the evening), the whole
    day lies on the next date instead, opening just after its midnight: the clock waits for it
    (a simulated clock never runs ahead of real time), and it is live from its first minute.
    With `after`, a real-time day lies on a later date than that one (the next date's day,
    when today is `after`). Faster than real time a day is a replay that ends as real time
    catches up with it; when none of `shortest_s` fits it moves back to end before today's
    midnight (`day_start_s`). At infinite speed a day is whole or moved back, never cut.

    At 20:30 in Helsinki a real-time day with a 40-minute head start is cut to end before
    midnight; at 23:50 it is the next date's, from 00:02; at 00:10 its head start is cut to 8
    minutes:

    >>> def at(s): return f"{datetime.fromtimestamp(s, ZoneInfo('Europe/Helsinki')):%H:%M}"
    >>> evening = 1_764_095_400  # 2025-11-25T20:30+02:00
    >>> day = lay_out_day(duration_s=19_200, speed=1, now_s=evening,
    ...                   timezone="Europe/Helsinki", head_start_s=2400, shortest_s=7200)
    >>> at(day.start_s), at(day.start_s + day.duration_s), day.head_start_s
    ('19:50', '23:58', 2400.0)
    >>> day = lay_out_day(duration_s=19_200, speed=1, now_s=evening + 12_000,
    ...                   timezone="Europe/Helsinki", head_start_s=2400, shortest_s=7200)
    >>> at(day.start_s), day.duration_s, day.head_start_s
    ('00:02', 19200.0, 0.0)
    >>> day = lay_out_day(duration_s=19_200, speed=1, now_s=evening + 13_200,
    ...                   timezone="Europe/Helsinki", head_start_s=2400, shortest_s=7200)
    >>> at(day.start_s), day.duration_s, day.head_start_s
    ('00:02', 19200.0, 480.0)
    """
    zone = ZoneInfo(timezone)
    today = datetime.fromtimestamp(now_s, zone).date()
    if speed <= 1.0 and after is not None and today <= after:
        opens_s = _midnight_s(after + timedelta(days=1), zone) + MIDNIGHT_MARGIN_S
        return DayLayout(opens_s, float(duration_s), 0.0)
    head = float(head_start_s)
    if speed <= 1.0:
        opens_s = _midnight_s(today, zone) + MIDNIGHT_MARGIN_S
        head = min(head, max(0.0, math.floor((now_s - opens_s) / 60.0) * 60.0))
    fits_s = longest_day_s(
        duration_s=duration_s, speed=speed, now_s=now_s, timezone=timezone, head_start_s=head
    )
    # At infinite speed (tests, benchmarks) a day is never cut: its size must not depend on
    # the hour the run starts at; one that does not fit today is replayed whole, earlier.
    shortest_s = min(shortest_s, duration_s) if math.isfinite(speed) else duration_s
    if fits_s >= shortest_s and fits_s > 0:
        start_s = day_start_s(
            duration_s=fits_s, speed=speed, now_s=now_s, timezone=timezone, head_start_s=head
        )
        return DayLayout(start_s, fits_s, head)
    if speed <= 1.0:
        tomorrow = today + timedelta(days=1)
        return DayLayout(_midnight_s(tomorrow, zone) + MIDNIGHT_MARGIN_S, float(duration_s), 0.0)
    start_s = day_start_s(
        duration_s=duration_s, speed=speed, now_s=now_s, timezone=timezone, head_start_s=head
    )
    return DayLayout(start_s, duration_s, head)


def _midnight_s(day: date, zone: ZoneInfo) -> float:
    return datetime.combine(day, datetime.min.time(), zone).timestamp()


CATCH_UP_SPEED = 60.0
"""How fast a clock started behind its anchored timeline runs until it is back on it."""


class SimClock:
    """Simulated epoch seconds: `start_s + speed * elapsed`, capped at real time.

    With `head_start_s` the clock starts that much simulated time earlier than its anchored
    timeline (`start_s + head_start_s + speed * elapsed`) and runs at `CATCH_UP_SPEED` until
    it is back on it: a demo at real-time speed opens with its drivers already on the road.
    """

    def __init__(
        self,
        *,
        start_s: float,
        speed: float,
        head_start_s: float = 0.0,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed {speed} must be positive")
        if not head_start_s >= 0:
            raise ValueError(f"head start {head_start_s} must not be negative")
        self.start_s = start_s
        self.speed = speed
        self._anchor_s = start_s + head_start_s
        self._catch_up = max(speed, CATCH_UP_SPEED)
        self._wall = wall
        self._monotonic = monotonic
        self._origin = monotonic()
        self._reached = start_s

    def now_s(self) -> float:
        """The simulated moment; at infinite speed, the last moment waited for."""
        if math.isinf(self.speed):
            return min(self._reached, self._wall())
        elapsed = self._monotonic() - self._origin
        return min(
            self.start_s + self._catch_up * elapsed,
            self._anchor_s + self.speed * elapsed,
            self._wall(),
        )

    def real_delay_s(self, sim_s: float) -> float:
        """Real seconds until the clock shows `sim_s` (0 when it already does)."""
        behind_real = sim_s - self._wall()
        if math.isinf(self.speed):
            return max(0.0, behind_real)
        elapsed = self._monotonic() - self._origin
        return max(
            0.0,
            (sim_s - self.start_s) / self._catch_up - elapsed,
            (sim_s - self._anchor_s) / self.speed - elapsed,
            behind_real,
        )

    async def wait_until(self, sim_s: float) -> None:
        """Return once the simulated clock has reached `sim_s`."""
        while (delay := self.real_delay_s(sim_s)) > 0:
            await asyncio.sleep(min(delay, 1.0))
        self._reached = max(self._reached, sim_s)
