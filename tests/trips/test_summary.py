from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lastmile.errors import InvalidInput
from lastmile.trips import (
    DaySummary,
    KnownPlace,
    Segment,
    SegmentKind,
    summarise_day,
    summarise_days,
)

DEPOT = KnownPlace(52.5000, 13.4000, 150.0, "depot")
CUSTOMER = KnownPlace(52.5100, 13.4200, 40.0, "customer 17")
NOWHERE = (52.5300, 13.4500)


def seg(
    kind: SegmentKind, start: datetime, minutes: float, lat: float, lon: float, km: float = 0
) -> Segment:
    end = start + timedelta(minutes=minutes)
    return Segment(kind, start, end, lat, lon, minutes * 60, km * 1000)


def day_of_segments(start: datetime) -> list[Segment]:
    """Depot 10 min, drive 20 min, deliver 5 min, drive 10 min, halt 15 min nowhere, drive."""
    segments = []
    at = start
    plan: list[tuple[SegmentKind, float, tuple[float, float], float]] = [
        ("stop", 10, (DEPOT.lat, DEPOT.lon), 0),
        ("move", 20, (CUSTOMER.lat + 0.0002, CUSTOMER.lon), 8),
        ("stop", 5, (CUSTOMER.lat + 0.0002, CUSTOMER.lon), 0),
        ("move", 10, NOWHERE, 3),
        ("stop", 15, NOWHERE, 0),
        ("move", 30, (DEPOT.lat, DEPOT.lon), 10),
    ]
    for kind, minutes, place, km in plan:
        segments.append(seg(kind, at, minutes, *place, km))
        at = segments[-1].end
    return segments


def test_idle_is_stopped_time_away_from_planned_stops_and_hubs() -> None:
    segments = day_of_segments(datetime(2024, 5, 6, 8, tzinfo=UTC))

    summary = summarise_day(
        driver_id="d-1", day=date(2024, 5, 6), segments=segments, places=[DEPOT, CUSTOMER]
    )

    assert summary == DaySummary(
        driver_id="d-1",
        day=date(2024, 5, 6),
        driving_s=60 * 60,
        stopped_s=30 * 60,
        idle_s=15 * 60,
        distance_m=21_000,
        stop_count=3,
        idle_stop_count=1,
    )


def test_without_known_places_every_stop_is_idle() -> None:
    segments = day_of_segments(datetime(2024, 5, 6, 8, tzinfo=UTC))

    summary = summarise_day(driver_id="d-1", day=date(2024, 5, 6), segments=segments, places=[])

    assert summary.idle_s == summary.stopped_s == 30 * 60
    assert summary.idle_stop_count == 3


def test_midnight_splits_a_move_in_proportion() -> None:
    segments = [seg("move", datetime(2024, 5, 6, 23, 30, tzinfo=UTC), 60, *NOWHERE, km=40)]

    days = summarise_days(driver_id="d-1", segments=segments, places=[])

    assert [(d.day, d.driving_s) for d in days] == [
        (date(2024, 5, 6), 1800),
        (date(2024, 5, 7), 1800),
    ]
    assert [d.distance_m for d in days] == pytest.approx([20_000, 20_000])


def test_days_follow_the_given_time_zone() -> None:
    """23:00 UTC on 6 May is 01:00 on 7 May in Berlin."""
    segments = day_of_segments(datetime(2024, 5, 6, 23, tzinfo=UTC))

    berlin = summarise_days(
        driver_id="d-1", segments=segments, places=[DEPOT], tz=ZoneInfo("Europe/Berlin")
    )
    utc = summarise_days(driver_id="d-1", segments=segments, places=[DEPOT])

    assert [d.day for d in berlin] == [date(2024, 5, 7)]
    assert [d.day for d in utc] == [date(2024, 5, 6), date(2024, 5, 7)]
    assert sum(d.stopped_s for d in utc) == berlin[0].stopped_s == 30 * 60
    assert sum(d.stop_count for d in utc) == 3


def test_segment_ending_at_midnight_makes_no_empty_day() -> None:
    segments = [seg("stop", datetime(2024, 5, 6, 23, tzinfo=UTC), 60, *NOWHERE)]

    assert [d.day for d in summarise_days(driver_id="d", segments=segments, places=[])] == [
        date(2024, 5, 6)
    ]


def test_no_segments_no_days() -> None:
    assert summarise_days(driver_id="d", segments=[], places=[DEPOT]) == []


def test_negative_place_radius_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        summarise_day(
            driver_id="d", day=date(2024, 5, 6), segments=[], places=[KnownPlace(0, 0, -1)]
        )

    assert raised.value.field == "places.radius_m"
