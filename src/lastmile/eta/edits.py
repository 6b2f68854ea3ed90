"""Live ETAs after a dispatcher's edit (a stop moved, reordered, added or taken off).

The ETAs stored before the edit were said for another order of stops, or for another route:
a moved stop's would keep the old van's time. They are dropped, and a route under way is
forecast again from its driver's last position; a route not yet started has none (its stops'
planned times stand).
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route, RouteStop
from lastmile.eta.engine import EtaEngine
from lastmile.eta.models import StopEtaRow
from lastmile.eta.service import recompute_route
from lastmile.types import StopEta


def routes_edited(
    session: Session, *, routes: Sequence[Route], now: datetime, engine: EtaEngine
) -> list[StopEta]:
    """Drop the ETAs of the edited routes' stops (wherever they were said) and of the stops
    that left them; store fresh ones for those under way. The caller commits, then publishes
    what comes back (`eta.live.publish_etas`)."""
    if not routes:
        return []
    org_ids = {route.org_id for route in routes}
    route_ids = [route.id for route in routes]
    stop_ids = list(
        session.scalars(
            select(RouteStop.id).where(
                RouteStop.org_id.in_(org_ids), RouteStop.route_id.in_(route_ids)
            )
        )
    )
    session.execute(
        delete(StopEtaRow).where(
            StopEtaRow.org_id.in_(org_ids),
            or_(StopEtaRow.route_id.in_(route_ids), StopEtaRow.stop_id.in_(stop_ids)),
        )
    )
    for stop_id in stop_ids:
        engine.forget(stop_id)
    return [
        eta
        for route in routes
        for eta in recompute_route(
            session, org_id=route.org_id, route_id=route.id, now=now, engine=engine
        )
    ]
