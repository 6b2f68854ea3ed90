"""Traffic patterns from our own fleet: median moving speed by hour of week and H3 cell."""

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import h3
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.ingest.models import QUALITY_OK, fixes

MOVING_MPS = 1.5
"""Slower than this is standing (at a stop, in a queue at a light), not a speed of the road."""


@dataclass(frozen=True, slots=True)
class CellSpeed:
    cell: str
    hour_of_week: int
    median_kmh: float
    fixes: int
    boundary: tuple[tuple[float, float], ...]


def hour_of_week(at: datetime, zone: ZoneInfo) -> int:
    """0 is Monday 00:00 to 00:59 local time, ..., 167 is Sunday 23:00 to 23:59."""
    local = at.astimezone(zone)
    return local.weekday() * 24 + local.hour


def cell_speeds(
    session: Session,
    *,
    org_id: uuid.UUID,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    resolution: int = 8,
    min_fixes: int = 5,
    max_rows: int = 2_000_000,
) -> list[CellSpeed]:
    """Median speed of moving fixes per (cell, hour of week); cells with too few fixes left out."""
    rows = session.execute(
        select(fixes.c.at, fixes.c.lat, fixes.c.lon, fixes.c.speed_mps)
        .where(
            fixes.c.org_id == org_id,
            fixes.c.at >= since,
            fixes.c.at < until,
            fixes.c.quality == QUALITY_OK,
            fixes.c.suspect.is_(False),  # a teleported track's speeds are not the roads'
            fixes.c.speed_mps >= MOVING_MPS,
        )
        .limit(max_rows)
    )
    speeds: dict[tuple[str, int], list[float]] = defaultdict(list)
    for at, lat, lon, speed in rows:
        speeds[(h3.latlng_to_cell(lat, lon, resolution), hour_of_week(at, zone))].append(speed)
    return [
        CellSpeed(
            cell=cell,
            hour_of_week=hour,
            median_kmh=round(statistics.median(values) * 3.6, 1),
            fixes=len(values),
            boundary=tuple(h3.cell_to_boundary(cell)),
        )
        for (cell, hour), values in sorted(speeds.items())
        if len(values) >= min_fixes
    ]


def default_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
