"""A driver's day from their segments: driving, stopped and idle time, distance, stops."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from lastmile.errors import InvalidInput
from lastmile.geo import haversine_m
from lastmile.trips.types import Segment


@dataclass(frozen=True, slots=True)
class KnownPlace:
    """A planned stop or a hub: stopping within `radius_m` of it is not idling."""

    lat: float
    lon: float
    radius_m: float
    name: str | None = None


@dataclass(frozen=True, slots=True)
class DaySummary:
    """One driver's day; `idle_s` is the part of `stopped_s` spent away from every known place."""

    driver_id: str
    day: date
    driving_s: float
    stopped_s: float
    idle_s: float
    distance_m: float
    stop_count: int
    idle_stop_count: int


def is_at_known_place(lat: float, lon: float, places: Iterable[KnownPlace]) -> bool:
    """Whether the position lies within the radius of any of the places.

    Parameters
    ----------
    lat, lon : the position, in degrees.
    places : planned stops and hubs.

    Examples
    --------
    >>> depot = KnownPlace(60.0, 25.0, radius_m=100.0)
    >>> is_at_known_place(60.0, 25.001, [depot]), is_at_known_place(60.0, 25.002, [depot])
    (True, False)
    """
    return any(haversine_m(lat, lon, p.lat, p.lon) <= p.radius_m for p in places)


def _day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return start, end


def _overlap_s(segment: Segment, start: datetime, end: datetime) -> float:
    return max(0.0, (min(segment.end, end) - max(segment.start, start)).total_seconds())


def summarise_day(
    *,
    driver_id: str,
    day: date,
    segments: Sequence[Segment],
    places: Sequence[KnownPlace],
    tz: tzinfo = UTC,
) -> DaySummary:
    """Summarise the part of `segments` that falls on `day` in `tz` (midnight splits a segment).

    A move's distance is shared between days in proportion to its time; a stop counts on
    the day it starts.
    """
    for place in places:
        if not place.radius_m >= 0:
            raise InvalidInput("places.radius_m", f"is {place.radius_m}: must be zero or positive")
    day_start, day_end = _day_bounds(day, tz)
    driving_s = stopped_s = idle_s = distance_m = 0.0
    stop_count = idle_stop_count = 0
    for segment in segments:
        overlap_s = _overlap_s(segment, day_start, day_end)
        starts_today = day_start <= segment.start < day_end
        if segment.kind == "move":
            driving_s += overlap_s
            if segment.duration_s > 0:
                distance_m += segment.distance_m * overlap_s / segment.duration_s
            elif starts_today:
                distance_m += segment.distance_m
            continue
        idle = not is_at_known_place(segment.lat, segment.lon, places)
        stopped_s += overlap_s
        idle_s += overlap_s if idle else 0.0
        if starts_today:
            stop_count += 1
            idle_stop_count += idle
    return DaySummary(
        driver_id=driver_id,
        day=day,
        driving_s=driving_s,
        stopped_s=stopped_s,
        idle_s=idle_s,
        distance_m=distance_m,
        stop_count=stop_count,
        idle_stop_count=idle_stop_count,
    )


def summarise_days(
    *,
    driver_id: str,
    segments: Sequence[Segment],
    places: Sequence[KnownPlace],
    tz: tzinfo = UTC,
) -> list[DaySummary]:
    """One summary for every day in `tz` that the segments touch, in date order."""
    if not segments:
        return []
    first = min(s.start for s in segments).astimezone(tz).date()
    last = max(s.end for s in segments).astimezone(tz).date()
    summaries = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        start, end = _day_bounds(day, tz)
        if any(start <= s.start < end or _overlap_s(s, start, end) > 0 for s in segments):
            summaries.append(
                summarise_day(driver_id=driver_id, day=day, segments=segments, places=places, tz=tz)
            )
    return summaries
