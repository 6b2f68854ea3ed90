"""How good were the ETAs we gave: mean absolute error at 10, 30 and 60 minutes before arrival.

For each arrived stop and each lead time, the prediction that stood at that moment counts: the
latest one computed at or before `arrival - lead` (and no more than 15 minutes before that, so a
stop first timed five minutes out does not count as timed an hour out).
"""

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route
from lastmile.eta.models import EtaPrediction

LEADS_MIN = (10, 30, 60)
STALE = timedelta(minutes=15)


def eta_mae_min(
    session: Session,
    *,
    org_id: uuid.UUID,
    day: date,
    driver_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
) -> dict[int, float | None]:
    """Lead time in minutes → mean absolute error in minutes (None without data)."""
    query = (
        select(
            EtaPrediction.stop_id,
            EtaPrediction.computed_at,
            EtaPrediction.eta,
            EtaPrediction.actual_at,
        )
        .join(Route, Route.id == EtaPrediction.route_id)
        .where(
            EtaPrediction.org_id == org_id,
            Route.date == day,
            EtaPrediction.actual_at.is_not(None),
        )
    )
    if driver_id is not None:
        query = query.where(Route.driver_id == driver_id)
    if hub_id is not None:
        query = query.where(Route.hub_id == hub_id)
    by_stop: dict[uuid.UUID, list[tuple[datetime, datetime, datetime]]] = defaultdict(list)
    for stop_id, computed_at, eta, actual_at in session.execute(query):
        if actual_at is not None:
            by_stop[stop_id].append((computed_at, eta, actual_at))
    errors: dict[int, list[float]] = {lead: [] for lead in LEADS_MIN}
    for predictions in by_stop.values():
        predictions.sort()
        for lead in LEADS_MIN:
            cutoff = predictions[0][2] - timedelta(minutes=lead)
            standing = [p for p in predictions if cutoff - STALE <= p[0] <= cutoff]
            if standing:
                _, eta, actual_at = standing[-1]
                errors[lead].append(abs((eta - actual_at).total_seconds()) / 60)
    return {lead: round(sum(e) / len(e), 1) if e else None for lead, e in errors.items()}
