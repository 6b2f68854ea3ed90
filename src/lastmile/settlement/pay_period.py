"""Pay and cash periods: days at the hub's clock, written `2026-12`, `2026-12-07` or
`2026-12-01..2026-12-15` (both days included)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lastmile.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """Days from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def end(self) -> date:
        """The day after the last (exclusive bound for queries)."""
        return self.last + timedelta(days=1)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period's first and after-last instants in UTC, at `zone`'s midnight."""
        return day_start(self.first, zone), day_start(self.end, zone)

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}..{self.last}"


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting `day` at `zone`, in UTC.

    >>> day_start(date(2026, 12, 7), ZoneInfo("Europe/Helsinki")).isoformat()
    '2026-12-06T22:00:00+00:00'
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_period(text: str, *, field: str = "period") -> Period:
    """A month, a day or a range of days.

    >>> str(parse_period("2026-02")), str(parse_period("2026-12-07"))
    ('2026-02-01..2026-02-28', '2026-12-07')
    >>> str(parse_period("2026-12-01..2026-12-15"))
    '2026-12-01..2026-12-15'
    """
    text = text.strip()
    try:
        if month := _MONTH.match(text):
            first = date(int(month[1]), int(month[2]), 1)
            after = (first + timedelta(days=32)).replace(day=1)
            return Period(first, after - timedelta(days=1))
        if ".." in text:
            first_text, _, last_text = text.partition("..")
            period = Period(date.fromisoformat(first_text), date.fromisoformat(last_text))
        else:
            day = date.fromisoformat(text)
            period = Period(day, day)
    except ValueError:
        raise InvalidInput(
            field,
            f"is {text!r}: write a month (2026-12), a day (2026-12-07) or a range"
            " (2026-12-01..2026-12-15)",
        ) from None
    if period.last < period.first:
        raise InvalidInput(field, f"is {text!r}: the last day comes before the first")
    if (period.last - period.first).days > 366:
        raise InvalidInput(field, f"is {text!r}: at most a year at a time")
    return period
