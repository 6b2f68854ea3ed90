"""What the rest of the platform reads about a shipment's ETA (tracking page, notify, alerts)."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.eta.models import StopEtaRow
from lastmile.types import StopEta

# An ETA counts only for the route it was said on: a stop moved to another van keeps no
# time from the first one, even if a follower's update raced the move and wrote it again.
_said_on_its_route = and_(
    RouteStop.id == StopEtaRow.stop_id, RouteStop.route_id == StopEtaRow.route_id
)


def current_eta(session: Session, *, org_id: uuid.UUID, shipment_id: uuid.UUID) -> StopEta | None:
    """The shipment's latest ETA, or None while its stop has none (not yet out, or done)."""
    row = session.scalar(
        select(StopEtaRow)
        .join(RouteStop, _said_on_its_route)
        .where(StopEtaRow.org_id == org_id, StopEtaRow.shipment_id == shipment_id)
        .order_by(StopEtaRow.computed_at.desc())
        .limit(1)
    )
    return None if row is None else _stop_eta(row)


def planned_arrival(
    session: Session, *, org_id: uuid.UUID, shipment_id: uuid.UUID
) -> datetime | None:
    """When the shipment's pending stop is planned on a route not started yet (a stop moved
    from a van under way to one still at the hub: out, with no live ETA until that van
    leaves); None otherwise. A route under way gives live ETAs from its first fix on."""
    return session.scalar(
        select(RouteStop.planned_arrival)
        .join(Route, Route.id == RouteStop.route_id)
        .where(
            RouteStop.org_id == org_id,
            RouteStop.shipment_id == shipment_id,
            RouteStop.status == StopStatus.PENDING,
            Route.status == RouteStatus.PLANNED,
        )
        .order_by(RouteStop.planned_arrival.desc())
        .limit(1)
    )


def latest_etas(
    session: Session, *, org_id: uuid.UUID, stop_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, StopEta]:
    """The latest ETA of each of these stops that has one (pending stops of a started route)."""
    if not stop_ids:
        return {}
    rows = session.scalars(
        select(StopEtaRow)
        .join(RouteStop, _said_on_its_route)
        .where(StopEtaRow.org_id == org_id, StopEtaRow.stop_id.in_(stop_ids))
    )
    return {row.stop_id: _stop_eta(row) for row in rows}


def _stop_eta(row: StopEtaRow) -> StopEta:
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
