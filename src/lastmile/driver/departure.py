"""The driver leaves the hub: the route starts (dispatch) and, where the organisation asks for a
delivery code, each stop still to visit gets one (pod)."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from lastmile.dispatch import service as dispatch
from lastmile.dispatch.models import Route, StopStatus
from lastmile.orgsettings.driver_app import read_settings
from lastmile.pod.service import issue_code


def leave_hub(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    actor: str,
    now: datetime | None = None,
    left_at: datetime | None = None,
) -> Route:
    """Start the route (see `dispatch.service.start_route`) and issue the delivery codes."""
    route = dispatch.start_route(
        session=session, org_id=org_id, route_id=route_id, actor=actor, now=now, left_at=left_at
    )
    if read_settings(session=session, org_id=org_id).proof_rules.code:
        for stop, _ in dispatch.route_stops(session=session, route=route):
            if stop.status is StopStatus.PENDING:
                issue_code(session=session, stop=stop)
    return route
