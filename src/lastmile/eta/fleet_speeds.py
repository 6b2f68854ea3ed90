"""Speed factors from our own fleet's stored fixes (for `lastmile eta fit --fixes-days`)."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.eta.learning import SpeedFactors, fix_speed_observations, learn_speed_factors
from lastmile.ingest.models import QUALITY_OK, fixes


def fix_tracks(
    session: Session, *, since: datetime, org_id: uuid.UUID | None = None
) -> list[list[tuple[datetime, float, float]]]:
    """Accepted fixes since `since`, one time-ordered track per driver; suspect ones (a
    teleported track not trusted again: `ingest.filters.SpeedFilter`) left out, since a forged
    or broken track teaches nothing about the roads."""
    query = (
        select(fixes.c.driver_id, fixes.c.at, fixes.c.lat, fixes.c.lon)
        .where(fixes.c.at >= since, fixes.c.quality == QUALITY_OK, fixes.c.suspect.is_(False))
        .order_by(fixes.c.driver_id, fixes.c.at)
    )
    if org_id is not None:
        query = query.where(fixes.c.org_id == org_id)
    tracks: dict[uuid.UUID, list[tuple[datetime, float, float]]] = {}
    for driver_id, at, lat, lon in session.execute(query):
        tracks.setdefault(driver_id, []).append((at, lat, lon))
    return list(tracks.values())


def fleet_speed_factors(
    session: Session, *, since: datetime, org_id: uuid.UUID | None = None
) -> tuple[SpeedFactors, int]:
    """Speed factors by hour of week x H3 cell from the fleet's driving, and how many legs."""
    observations = fix_speed_observations(fix_tracks(session, since=since, org_id=org_id))
    return learn_speed_factors(observations), len(observations)
