"""HTTP routes: driver scorecards (JSON and CSV) and the traffic pattern by hour and area."""

import uuid
from dataclasses import asdict, fields
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lastmile.analytics.scorecards import Scorecard, scorecards
from lastmile.analytics.traffic import cell_speeds, default_window
from lastmile.api.csv_export import csv_response
from lastmile.api.deps import SessionDep
from lastmile.api.fields import Day, TimeZoneName
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.billing.jobs import org_zone
from lastmile.db import utcnow

router = APIRouter(tags=["analytics"], responses=COMMON_PROBLEMS)

DayQuery = Annotated[Day | None, Query(alias="date", description="default: today")]
ZoneQuery = Annotated[
    TimeZoneName | None, Query(description="IANA zone; default: the organisation's first hub's")
]


def _zone(session: Session, org_id: uuid.UUID, tz: str | None) -> ZoneInfo:
    if tz is not None:
        return ZoneInfo(tz)
    return org_zone(session, org_id=org_id)


def _cards(
    session: Session, org_id: uuid.UUID, day: date | None, tz: str | None
) -> list[Scorecard]:
    zone = _zone(session, org_id, tz)
    return scorecards(
        session, org_id=org_id, day=day or utcnow().astimezone(zone).date(), zone=zone
    )


@router.get("/api/v1/analytics/drivers")
def driver_scorecards(
    session: SessionDep, principal: StaffDep, day: DayQuery = None, tz: ZoneQuery = None
) -> list[dict[str, Any]]:
    """One row per driver who worked that day (had a route or sent fixes)."""
    return [asdict(card) for card in _cards(session, principal.org_id, day, tz)]


@router.get("/api/v1/analytics/drivers.csv", response_class=Response)
def driver_scorecards_csv(
    session: SessionDep, principal: StaffDep, day: DayQuery = None, tz: ZoneQuery = None
) -> Response:
    cards = _cards(session, principal.org_id, day, tz)
    names = [f.name for f in fields(Scorecard)]
    filename = f"drivers-{cards[0].day if cards else (day or utcnow().date())}.csv"
    rows = ([getattr(card, n) for n in names] for card in cards)
    return csv_response(names, rows, filename=filename)


@router.get("/api/v1/analytics/traffic")
def traffic(
    session: SessionDep,
    principal: StaffDep,
    days: Annotated[int, Query(ge=1, le=90)] = 28,
    resolution: Annotated[int, Query(ge=5, le=10, description="H3 resolution")] = 8,
    tz: ZoneQuery = None,
) -> list[dict[str, Any]]:
    """Median moving speed per H3 cell and hour of week (0 = Monday 00h), from our own fixes."""
    since, until = default_window(utcnow(), days)
    cells = cell_speeds(
        session,
        org_id=principal.org_id,
        since=since,
        until=until,
        zone=_zone(session, principal.org_id, tz),
        resolution=resolution,
    )
    return [asdict(cell) for cell in cells]
