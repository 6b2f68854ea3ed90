"""Which vehicle the shift form offers first: the one on the driver's route today, else the one
they drove last."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.driver.workflow import todays_route
from lastmile.errors import NotFound
from lastmile.fleet.models import Shift


def suggested_vehicle(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, now: datetime
) -> uuid.UUID | None:
    try:
        return todays_route(session=session, org_id=org_id, driver_id=driver_id, now=now).vehicle_id
    except NotFound:
        pass
    return session.scalar(
        select(Shift.vehicle_id)
        .where(Shift.org_id == org_id, Shift.driver_id == driver_id, Shift.vehicle_id.is_not(None))
        .order_by(Shift.started_at.desc())
        .limit(1)
    )
