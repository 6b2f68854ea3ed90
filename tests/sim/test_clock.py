import math

import pytest

from lastmile.sim.clock import SimClock, anchored_start_s
from lastmile.sim.world import day_start_s


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
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Helsinki")
    assert (
        datetime.fromtimestamp(start, zone).date()
        == datetime.fromtimestamp(start + 36_000.0, zone).date()
    )
