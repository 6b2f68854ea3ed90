import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from lastmile.sim.clock import (
    CATCH_UP_SPEED,
    SimClock,
    anchored_start_s,
    day_start_s,
    longest_day_s,
)


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
