"""What the rest of the platform reads about a shipment's ETA (tracking page, notify, alerts)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.eta.models import StopEtaRow


@dataclass(frozen=True, slots=True)
class StopEta:
    """The latest ETA of one remaining stop of a route in progress."""

    route_id: uuid.UUID
    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    eta: datetime
    window_start: datetime
    window_end: datetime
    stops_away: int
    computed_at: datetime
    gps_age_s: float | None


def current_eta(session: Session, *, org_id: uuid.UUID, shipment_id: uuid.UUID) -> StopEta | None:
    """The shipment's latest ETA, or None while its stop has none (not yet out, or done)."""
    row = session.scalar(
        select(StopEtaRow)
        .where(StopEtaRow.org_id == org_id, StopEtaRow.shipment_id == shipment_id)
        .order_by(StopEtaRow.computed_at.desc())
        .limit(1)
    )
    if row is None:
        return None
    return StopEta(
        route_id=row.route_id,
        stop_id=row.stop_id,
        shipment_id=row.shipment_id,
        eta=row.eta,
        window_start=row.window_start,
        window_end=row.window_end,
        stops_away=row.stops_away,
        computed_at=row.computed_at,
        gps_age_s=row.gps_age_s,
    )
