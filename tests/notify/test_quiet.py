"""Quiet hours in the recipient's local time, across midnight and daylight saving."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from lastmile.notify.quiet import quiet_until

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 18, 59, tzinfo=UTC), None),  # 20:59 local
        (datetime(2026, 11, 24, 19, 0, tzinfo=UTC), datetime(2026, 11, 25, 6, 0, tzinfo=UTC)),
        (datetime(2026, 11, 24, 23, 0, tzinfo=UTC), datetime(2026, 11, 25, 6, 0, tzinfo=UTC)),
        (datetime(2026, 11, 25, 5, 59, tzinfo=UTC), datetime(2026, 11, 25, 6, 0, tzinfo=UTC)),
        (datetime(2026, 11, 25, 6, 0, tzinfo=UTC), None),
    ],
)
def test_overnight_quiet_hours_end_at_local_morning(
    now: datetime, expected: datetime | None
) -> None:
    assert quiet_until(now, start=time(21), end=time(8), zone=HELSINKI) == expected


def test_the_morning_after_a_clock_change_is_local_eight() -> None:
    saturday_night = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # clocks go forward at 03:00
    until = quiet_until(saturday_night, start=time(21), end=time(8), zone=HELSINKI)
    assert until == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_a_daytime_period_and_no_period() -> None:
    lunch = {"start": time(12), "end": time(13), "zone": UTC}
    assert quiet_until(datetime(2026, 1, 1, 12, 30, tzinfo=UTC), **lunch) == datetime(
        2026, 1, 1, 13, 0, tzinfo=UTC
    )
    assert quiet_until(datetime(2026, 1, 1, 13, 0, tzinfo=UTC), **lunch) is None
    assert (
        quiet_until(datetime(2026, 1, 1, 3, 0, tzinfo=UTC), start=None, end=None, zone=UTC) is None
    )
