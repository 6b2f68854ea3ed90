"""Quiet hours: when a message that would wake someone must wait until morning."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(
    now: datetime, *, start: time | None, end: time | None, zone: ZoneInfo
) -> datetime | None:
    """The UTC end of the quiet period `now` falls in, or None outside quiet hours.

    A period may cross midnight (21:00-08:00).

    >>> from datetime import UTC, datetime, time
    >>> helsinki = ZoneInfo("Europe/Helsinki")
    >>> night = {"start": time(21), "end": time(8), "zone": helsinki}
    >>> quiet_until(datetime(2026, 1, 5, 20, 30, tzinfo=UTC), **night)
    datetime.datetime(2026, 1, 6, 6, 0, tzinfo=datetime.timezone.utc)
    >>> quiet_until(datetime(2026, 1, 5, 12, 0, tzinfo=UTC), **night) is None
    True
    """
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= clock < end:
            return None
        day = local.date()
    else:
        if end <= clock < start:
            return None
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
