"""Per driver per day: driving, idle and service time, distance, stops per hour, on-time and
first-attempt rates. Movement comes from the stored track (trips/), work from the day's routes."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.analytics.eta_accuracy import eta_mae_min
from lastmile.analytics.outcomes import stop_outcomes
from lastmile.dispatch.models import Route, RouteStop
from lastmile.feedback.models import Feedback
from lastmile.fleet.models import Driver
from lastmile.ingest.models import fixes
from lastmile.trips.service import driver_day


@dataclass(frozen=True, slots=True)
class Scorecard:
    driver_id: uuid.UUID
    driver_name: str
    day: date
    driving_s: float
    idle_s: float
    service_s: float
    distance_km: float
    stops_planned: int
    delivered: int
    failed: int
    stops_per_hour: float | None
    on_time_pct: float | None
    first_attempt_pct: float | None
    eta_mae_10_min: float | None
    eta_mae_30_min: float | None
    eta_mae_60_min: float | None
    feedback_score: float | None
    feedback_count: int


def feedback_score(
    session: Session, *, org_id: uuid.UUID, day: date, driver_id: uuid.UUID
) -> tuple[float | None, int]:
    """Mean rating (1-5) customers gave the driver's stops of that day, and how many rated."""
    ratings = list(
        session.scalars(
            select(Feedback.rating)
            .join(RouteStop, RouteStop.id == Feedback.stop_id)
            .join(Route, Route.id == RouteStop.route_id)
            .where(Feedback.org_id == org_id, Route.driver_id == driver_id, Route.date == day)
        )
    )
    return (round(sum(ratings) / len(ratings), 2) if ratings else None), len(ratings)


def _drivers_of_day(
    session: Session, org_id: uuid.UUID, start: datetime, end: datetime, day: date
) -> list[Driver]:
    with_routes = select(Route.driver_id).where(Route.org_id == org_id, Route.date == day)
    with_fixes = (
        select(fixes.c.driver_id)
        .where(fixes.c.org_id == org_id, fixes.c.at >= start, fixes.c.at < end)
        .distinct()
    )
    ids = set(session.scalars(with_routes)) | set(session.scalars(with_fixes))
    if not ids:
        return []
    return list(session.scalars(select(Driver).where(Driver.id.in_(ids)).order_by(Driver.name)))


def scorecards(
    session: Session, *, org_id: uuid.UUID, day: date, zone: ZoneInfo
) -> list[Scorecard]:
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    cards = []
    for driver in _drivers_of_day(session, org_id, start, end, day):
        summary = driver_day(
            session=session, org_id=org_id, driver_id=driver.id, day=day, zone=zone
        ).summary
        work = stop_outcomes(session, org_id=org_id, day=day, driver_id=driver.id)
        eta_mae = eta_mae_min(session, org_id=org_id, day=day, driver_id=driver.id)
        score, ratings = feedback_score(session, org_id=org_id, day=day, driver_id=driver.id)
        service_s = max(0.0, summary.stopped_s - summary.idle_s)
        working_h = (summary.driving_s + summary.stopped_s) / 3600
        finished = work.delivered + work.failed
        cards.append(
            Scorecard(
                driver_id=driver.id,
                driver_name=driver.name,
                day=day,
                driving_s=round(summary.driving_s),
                idle_s=round(summary.idle_s),
                service_s=round(service_s),
                distance_km=round(summary.distance_m / 1000, 2),
                stops_planned=work.planned,
                delivered=work.delivered,
                failed=work.failed,
                stops_per_hour=round(finished / working_h, 2)
                if working_h > 0 and finished
                else None,
                on_time_pct=work.on_time_pct,
                first_attempt_pct=work.first_attempt_pct,
                eta_mae_10_min=eta_mae[10],
                eta_mae_30_min=eta_mae[30],
                eta_mae_60_min=eta_mae[60],
                feedback_score=score,
                feedback_count=ratings,
            )
        )
    return cards
