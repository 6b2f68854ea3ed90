import math
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from lastmile.sim.clock import (
    CATCH_UP_SPEED,
    DayLayout,
    SimClock,
    anchored_start_s,
    day_start_s,
    lay_out_day,
    longest_day_s,
)

HELSINKI = ZoneInfo("Europe/Helsinki")


class FakeTime:
    def __init__(self, wall: float) -> None:
        self.wall = wall
        self.mono = 0.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@pytest.mark.parametrize("speed", [1.0, 10.0, 60.0])
def test_an_anchored_day_never_runs_ahead_of_real_time_and_ends_with_it(speed: float) -> None:
    fake = FakeTime(wall=1_000_000.0)
    duration = 8 * 3600.0
    start = anchored_start_s(duration_s=duration, speed=speed, now_s=fake.wall)
    clock = SimClock(
        start_s=start, speed=speed, wall=lambda: fake.wall, monotonic=lambda: fake.mono
    )
    for _ in range(100):
        assert clock.now_s() <= fake.wall
        fake.advance(duration / speed / 100)
    assert clock.now_s() == pytest.approx(start + duration)
    assert clock.now_s() == pytest.approx(fake.wall)


def test_the_clock_waits_for_real_time_when_it_catches_up() -> None:
    fake = FakeTime(wall=1_000.0)
    clock = SimClock(start_s=900.0, speed=60.0, wall=lambda: fake.wall, monotonic=lambda: fake.mono)
    assert clock.real_delay_s(960.0) == pytest.approx(1.0)
    assert clock.real_delay_s(1_100.0) == pytest.approx(100.0)  # capped by real time, not 200/60
    fake.advance(10.0)
    assert clock.now_s() == 1_010.0


def test_at_infinite_speed_the_clock_jumps_but_not_past_now() -> None:
    fake = FakeTime(wall=5_000.0)
    clock = SimClock(
        start_s=0.0, speed=math.inf, wall=lambda: fake.wall, monotonic=lambda: fake.mono
    )
    assert clock.real_delay_s(4_999.0) == 0.0
    assert clock.real_delay_s(5_010.0) == pytest.approx(10.0)


def test_the_day_fits_one_local_date_at_the_hub() -> None:
    # 01:00 in Helsinki: an anchored 10-hour day would straddle midnight, so it moves back.
    now = 1_764_025_200.0  # 2025-11-25T01:00+02:00
    start = day_start_s(duration_s=36_000.0, speed=60.0, now_s=now, timezone="Europe/Helsinki")
    assert start + 36_000.0 < now - 3600.0
    assert start % 60 == 0
    assert _local(start).date() == _local(start + 36_000.0).date()


def test_a_head_start_is_caught_up_at_catch_up_speed_then_the_day_runs_at_its_own() -> None:
    fake = FakeTime(wall=1_000_000.0)
    head = 3000.0
    start = anchored_start_s(duration_s=36_000.0, speed=1.0, now_s=fake.wall) - head
    clock = SimClock(
        start_s=start,
        speed=1.0,
        head_start_s=head,
        wall=lambda: fake.wall,
        monotonic=lambda: fake.mono,
    )
    catching_up_s = head / (CATCH_UP_SPEED - 1.0)
    assert clock.real_delay_s(start + head / 2) == pytest.approx(head / 2 / CATCH_UP_SPEED)
    fake.advance(catching_up_s / 2)
    assert clock.now_s() == pytest.approx(start + CATCH_UP_SPEED * catching_up_s / 2)
    fake.advance(catching_up_s / 2)
    assert clock.now_s() == pytest.approx(fake.wall)
    fake.advance(600.0)
    assert clock.now_s() == pytest.approx(fake.wall)
    assert clock.real_delay_s(fake.wall + 60.0) == pytest.approx(60.0)


def _local(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, ZoneInfo("Europe/Helsinki"))


@pytest.mark.parametrize(
    ("speed", "now"),
    [
        (1.0, 1_764_090_000.0),  # 2025-11-25T19:00+02:00: a live day would run past midnight
        (10.0, 1_764_039_600.0),  # 05:00: a fast day ending now would have begun yesterday
    ],
)
def test_a_day_is_cut_to_fit_the_local_date_rather_than_moved_into_the_past(
    speed: float, now: float
) -> None:
    head = 2700.0
    wanted = 10 * 3600.0
    longest = longest_day_s(
        duration_s=wanted, speed=speed, now_s=now, timezone="Europe/Helsinki", head_start_s=head
    )
    assert 3600.0 < longest < wanted
    start = day_start_s(
        duration_s=longest, speed=speed, now_s=now, timezone="Europe/Helsinki", head_start_s=head
    )
    assert start == pytest.approx(
        anchored_start_s(duration_s=longest, speed=speed, now_s=now) - head, abs=60.0
    )
    assert _local(start).date() == _local(start + longest).date() == _local(now).date()


def test_a_day_that_fits_today_is_not_cut() -> None:
    morning = 1_764_050_400.0  # 2025-11-25T08:00+02:00
    day = 8 * 3600.0
    assert (
        longest_day_s(duration_s=day, speed=1.0, now_s=morning, timezone="Europe/Helsinki") == day
    )


def test_just_after_midnight_a_fast_day_has_no_room_today() -> None:
    now = 1_764_025_200.0  # 2025-11-25T01:00+02:00
    longest = longest_day_s(duration_s=36_000.0, speed=60.0, now_s=now, timezone="Europe/Helsinki")
    assert longest < 3600.0


DEMO_DAY_S = 20 * 60 + 4 * 3600 + 3600.0
"""The demo's day: loading, a four-hour shift, an hour's room to run late."""
DEMO_HEAD_S = 40 * 60.0
SHORTEST_S = 20 * 60 + 3600 + 1800.0


def _demo_day(now: float) -> DayLayout:
    """The real-time demo's day as laid out at `now`."""
    return lay_out_day(
        duration_s=DEMO_DAY_S,
        speed=1.0,
        now_s=now,
        timezone="Europe/Helsinki",
        head_start_s=DEMO_HEAD_S,
        shortest_s=SHORTEST_S,
    )


@pytest.mark.parametrize(
    "started", ["2025-11-25T20:30", "2025-11-25T22:40", "2025-11-25T23:50", "2025-11-26T01:00"]
)
def test_a_real_time_day_is_live_at_any_hour_on_one_local_date(started: str) -> None:
    now = datetime.fromisoformat(started).replace(tzinfo=HELSINKI).timestamp()
    day = _demo_day(now)
    assert SHORTEST_S <= day.duration_s <= DEMO_DAY_S
    assert _local(day.start_s).date() == _local(day.start_s + day.duration_s).date()
    assert day.start_s % 60 == 0
    fake = FakeTime(wall=now)
    clock = SimClock(
        start_s=day.start_s,
        speed=1.0,
        head_start_s=day.head_start_s,
        wall=lambda: fake.wall,
        monotonic=lambda: fake.mono,
    )
    fake.advance(max(day.head_start_s / CATCH_UP_SPEED, day.start_s - now) + 1.0)
    # Live: once caught up (or, the next date's day, once open) the clock is the real one.
    assert clock.now_s() == pytest.approx(fake.wall, abs=120.0)
    assert day.start_s <= fake.wall <= day.start_s + day.duration_s


def test_late_in_the_evening_the_day_is_the_next_dates_and_waits_for_it() -> None:
    now = datetime(2025, 11, 25, 23, 50, tzinfo=HELSINKI).timestamp()
    day = _demo_day(now)
    assert _local(day.start_s) == datetime(2025, 11, 26, 0, 2, tzinfo=HELSINKI)
    assert (day.duration_s, day.head_start_s) == (DEMO_DAY_S, 0.0)
    fake = FakeTime(wall=now)
    clock = SimClock(
        start_s=day.start_s, speed=1.0, wall=lambda: fake.wall, monotonic=lambda: fake.mono
    )
    assert clock.real_delay_s(day.start_s) == pytest.approx(12 * 60.0)


def test_after_midnight_the_head_start_shrinks_rather_than_cross_it() -> None:
    now = datetime(2025, 11, 26, 0, 20, tzinfo=HELSINKI).timestamp()
    day = _demo_day(now)
    assert _local(day.start_s) == datetime(2025, 11, 26, 0, 2, tzinfo=HELSINKI)
    assert (day.duration_s, day.head_start_s) == (DEMO_DAY_S, 18 * 60.0)


def test_in_the_evening_a_real_time_day_is_cut_to_end_before_midnight() -> None:
    now = datetime(2025, 11, 25, 20, 30, tzinfo=HELSINKI).timestamp()
    day = _demo_day(now)
    assert _local(day.start_s) == datetime(2025, 11, 25, 19, 50, tzinfo=HELSINKI)
    assert _local(day.start_s + day.duration_s) == datetime(2025, 11, 25, 23, 58, tzinfo=HELSINKI)
    assert day.head_start_s == DEMO_HEAD_S


def test_faster_than_real_time_a_day_that_does_not_fit_is_replayed_before_midnight() -> None:
    now = datetime(2025, 11, 26, 0, 30, tzinfo=HELSINKI).timestamp()
    day = lay_out_day(
        duration_s=DEMO_DAY_S, speed=10.0, now_s=now, timezone="Europe/Helsinki", shortest_s=7200
    )
    assert day.duration_s == DEMO_DAY_S
    assert day.start_s + day.duration_s <= datetime(2025, 11, 26, tzinfo=HELSINKI).timestamp()


def test_the_day_after_a_finished_one_lies_on_the_next_date() -> None:
    finished = datetime(2025, 11, 25, 15, 0, tzinfo=HELSINKI)
    next_day = partial(
        lay_out_day,
        duration_s=DEMO_DAY_S,
        speed=1.0,
        timezone="Europe/Helsinki",
        after=finished.date(),
    )
    day = next_day(now_s=finished.timestamp())
    assert _local(day.start_s) == datetime(2025, 11, 26, 0, 2, tzinfo=HELSINKI)
    day = next_day(now_s=datetime(2025, 11, 26, 0, 30, tzinfo=HELSINKI).timestamp())
    assert _local(day.start_s) == datetime(2025, 11, 26, 0, 30, tzinfo=HELSINKI)


@pytest.mark.parametrize("hour", [1, 3, 9, 21])
def test_at_infinite_speed_a_day_is_whole_at_any_hour(hour: int) -> None:
    """Tests and benchmarks run days at infinite speed: their size must not depend on when."""
    now = datetime(2025, 11, 26, hour, 30, tzinfo=HELSINKI).timestamp()
    day = lay_out_day(
        duration_s=DEMO_DAY_S,
        speed=math.inf,
        now_s=now,
        timezone="Europe/Helsinki",
        shortest_s=SHORTEST_S,
    )
    assert day.duration_s == DEMO_DAY_S
    assert day.start_s + day.duration_s <= now
    assert _local(day.start_s).date() == _local(day.start_s + day.duration_s).date()
