"""`GET /api/v1/drivers/{id}/trips`: a driver's day as stops and moves, with its summary."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, WithJsonSchema

from lastmile.api.deps import SessionDep
from lastmile.api.fields import Day, Instant, TimeZoneName
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep
from lastmile.db import utcnow
from lastmile.dispatch.scope import get_scoped_driver
from lastmile.hubs.access import HubScopeDep
from lastmile.trips.service import day_track, driver_day
from lastmile.trips.summary import DaySummary

router = APIRouter(tags=["fleet"], responses=COMMON_PROBLEMS)


class SegmentOut(BaseModel):
    kind: Literal["stop", "move"]
    start: datetime
    end: datetime
    lat: float
    lon: float
    duration_s: float
    distance_m: float


class SummaryOut(BaseModel):
    day: date
    driving_s: float
    stopped_s: float
    idle_s: float
    distance_m: float
    stop_count: int
    idle_stop_count: int

    @classmethod
    def of(cls, summary: DaySummary) -> "SummaryOut":
        return cls(
            day=summary.day,
            driving_s=summary.driving_s,
            stopped_s=summary.stopped_s,
            idle_s=summary.idle_s,
            distance_m=summary.distance_m,
            stop_count=summary.stop_count,
            idle_stop_count=summary.idle_stop_count,
        )


class DriverDayOut(BaseModel):
    driver_id: uuid.UUID
    segments: list[SegmentOut]
    summary: SummaryOut


@router.get("/api/v1/drivers/{driver_id}/trips")
def driver_trips(
    driver_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
    day: Annotated[Day, Query(alias="date", description="The day, in `tz`")],
    tz: Annotated[TimeZoneName, Query(description="IANA time zone of the day")] = "UTC",
) -> DriverDayOut:
    """Stops (stationary ≥ 60 s) and moves; idle time is stopped time away from hubs and the
    driver's planned stops that day."""
    get_scoped_driver(session=session, org_id=principal.org_id, driver_id=driver_id, scope=scope)
    result = driver_day(
        session=session, org_id=principal.org_id, driver_id=driver_id, day=day, zone=ZoneInfo(tz)
    )
    return DriverDayOut(
        driver_id=driver_id,
        segments=[
            SegmentOut(
                kind=s.kind,
                start=s.start,
                end=s.end,
                lat=s.lat,
                lon=s.lon,
                duration_s=s.duration_s,
                distance_m=s.distance_m,
            )
            for s in result.segments
        ],
        summary=SummaryOut.of(result.summary),
    )


MAX_TRACK_POINTS = 20_000

TrackPoint = Annotated[
    tuple[datetime, float, float],
    WithJsonSchema(
        {
            "type": "array",
            "items": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "number"}]},
            "minItems": 3,
            "maxItems": 3,
            "description": "`[at, lat, lon]`",
        }
    ),
]
"""Described without `prefixItems`, which OpenAPI 3.0 tools and schemathesis' response
validation do not read (it failed the stateful fuzz's schema check)."""


@router.get("/api/v1/drivers/{driver_id}/track")
def driver_track(
    driver_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
    since: Annotated[Instant, Query(description="From this time (with a zone)")],
    until: Annotated[Instant | None, Query(description="Up to this time; default: now")] = None,
) -> list[TrackPoint]:
    """The breadcrumb trail: `[at, lat, lon]` of each kept fix (smoothed), oldest first."""
    get_scoped_driver(session=session, org_id=principal.org_id, driver_id=driver_id, scope=scope)
    points = day_track(
        session=session,
        org_id=principal.org_id,
        driver_id=driver_id,
        start=since,
        end=until or utcnow(),
    )
    step = max(1, len(points) // MAX_TRACK_POINTS + (len(points) % MAX_TRACK_POINTS > 0))
    return [(p.at, round(p.lat, 6), round(p.lon, 6)) for p in points[::step]]
