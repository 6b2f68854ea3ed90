"""Each driver's latest position: read for the API, upserted by the fix store."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.scope import where_driver
from lastmile.fleet.models import Shift
from lastmile.fleet.schemas import PositionOut
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.ingest.models import DriverPosition


def latest(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_ids: Sequence[uuid.UUID] | None = None,
    on_shift: bool = False,
    scope: HubScope = EVERY_HUB,
) -> list[DriverPosition]:
    query = select(DriverPosition).where(DriverPosition.org_id == org_id)
    query = where_driver(scope, query, DriverPosition.driver_id)
    if driver_ids is not None:
        query = query.where(DriverPosition.driver_id.in_(driver_ids))
    if on_shift:
        query = query.where(
            DriverPosition.driver_id.in_(
                select(Shift.driver_id).where(Shift.org_id == org_id, Shift.ended_at.is_(None))
            )
        )
    return list(session.scalars(query.order_by(DriverPosition.driver_id)))


def to_out(position: DriverPosition, *, now: datetime) -> PositionOut:
    return PositionOut(
        driver_id=position.driver_id,
        lat=position.lat,
        lon=position.lon,
        at=position.at,
        speed_mps=position.speed_mps,
        heading_deg=position.heading_deg,
        accuracy_m=position.accuracy_m,
        battery_pct=position.battery_pct,
        mock=position.mock,
        suspect=position.suspect,
        received_at=position.received_at,
        age_s=max(0.0, (now - position.at).total_seconds()),
    )
