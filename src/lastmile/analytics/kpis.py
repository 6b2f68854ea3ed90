"""Today's headline figures for the Control Tower."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lastmile.alerts.models import Alert, AlertStatus
from lastmile.analytics.eta_accuracy import eta_mae_min
from lastmile.analytics.outcomes import stop_outcomes
from lastmile.dispatch.unplanned import count_on_no_route


@dataclass(frozen=True, slots=True)
class DayKpis:
    day: date
    stops_total: int
    delivered: int
    failed: int
    remaining: int
    unplanned: int
    """Orders of the day on no route although the day's plan is committed (left off, or come
    after it): not in `remaining`, which counts route stops."""
    on_time_pct: float | None
    first_attempt_pct: float | None
    eta_mae_30_min: float | None
    open_alerts: int


def day_kpis(
    session: Session, *, org_id: uuid.UUID, day: date, hub_id: uuid.UUID | None = None
) -> DayKpis:
    """The day's figures for the organisation, or for one hub's routes (alerts: all hubs)."""
    outcomes = stop_outcomes(session, org_id=org_id, day=day, hub_id=hub_id)
    open_alerts = session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(Alert.org_id == org_id, Alert.status != AlertStatus.RESOLVED)
    )
    return DayKpis(
        day=day,
        stops_total=outcomes.planned,
        delivered=outcomes.delivered,
        failed=outcomes.failed,
        remaining=outcomes.remaining,
        unplanned=count_on_no_route(session=session, org_id=org_id, day=day, hub_id=hub_id),
        on_time_pct=outcomes.on_time_pct,
        first_attempt_pct=outcomes.first_attempt_pct,
        eta_mae_30_min=eta_mae_min(session, org_id=org_id, day=day, hub_id=hub_id)[30],
        open_alerts=open_alerts or 0,
    )
