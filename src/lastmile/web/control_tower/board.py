"""One read of everything the Control Tower draws: drivers, today's routes and stops, KPIs."""

import uuid
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lastmile.analytics.kpis import day_kpis
from lastmile.db import utcnow
from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.errors import NotFound
from lastmile.eta.models import StopEtaRow
from lastmile.fleet.models import Driver, Shift
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import HubScope
from lastmile.ingest.models import DriverPosition
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status
from lastmile.web.control_tower.roster import STALE_AFTER_S, roster

# A failed stop's reason, as the dispatcher reads it; any other reason is the driver's attempt.
_FAILED_AS = {
    "cancelled": "cancelled",
    "returned_to_hub": "returned to hub",
    "route_closed": "handed back",
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _eta_of(etas: dict[uuid.UUID, StopEtaRow], stop: RouteStop) -> str | None:
    """The stop's live ETA, if said for the route it is on now (not a van it moved off)."""
    row = etas.get(stop.id)
    return _iso(row.eta) if row is not None and row.route_id == stop.route_id else None


def _outcome(stop: RouteStop, shipment: Shipment) -> str | None:
    """What became of a closed stop ("delivered", "attempted", ...); None while it is open."""
    if stop.status is StopStatus.COMPLETED:
        return "delivered"
    if stop.status is not StopStatus.FAILED:
        return None
    if shipment.status is Status.CANCELLED:  # whatever reason the canceller gave
        return "cancelled"
    return _FAILED_AS.get(stop.failure_reason or "", "attempted")


def _busiest_hub(session: Session, hubs: list[Hub], day: date | None) -> Hub | None:
    """The hub with the most routes today (at its own clock), else the first one made; one
    query whatever the number of hubs."""
    local_day = {hub.id: day or utcnow().astimezone(ZoneInfo(hub.timezone)).date() for hub in hubs}
    counted = session.execute(
        select(Route.hub_id, Route.date, func.count())
        .where(Route.hub_id.in_(local_day), Route.date.in_(set(local_day.values())))
        .group_by(Route.hub_id, Route.date)
    ).all()
    counts = {hub_id: n for hub_id, on, n in counted if local_day[hub_id] == on}
    return max(hubs, key=lambda hub: counts.get(hub.id, 0), default=None)


def board(
    session: Session,
    *,
    org_id: uuid.UUID,
    day: date | None = None,
    hub_id: uuid.UUID | None = None,
    now: datetime | None = None,
    scope: HubScope | None = None,
) -> dict[str, Any]:
    """The day's board for one hub (`hub_id`) or all of them. The map, the clock and `day`'s
    default (today) are the chosen hub's, else the busiest hub's today; `now` (default: the
    wall clock) dates the drivers' last fixes. A caller limited to some hubs (`scope`) sees
    one of theirs at a time, never all of them."""
    now = now or utcnow()
    scope = scope or HubScope()
    hubs = [
        h
        for h in session.scalars(select(Hub).where(Hub.org_id == org_id).order_by(Hub.created_at))
        if scope.allows(h.id)
    ]
    chosen = next((h for h in hubs if h.id == hub_id), None) if hub_id else None
    if hub_id is not None and chosen is None:
        raise NotFound(f"hub {hub_id} is not one of this organisation's")
    hub = chosen or _busiest_hub(session, hubs, day)
    if scope.limited:
        chosen = hub  # their hubs one at a time: "all hubs" would show others' too
    if day is None:
        zone = ZoneInfo(hub.timezone) if hub is not None else ZoneInfo("UTC")
        day = now.astimezone(zone).date()
    chosen_routes = select(Route).where(Route.org_id == org_id, Route.date == day)
    if chosen is not None:
        chosen_routes = chosen_routes.where(Route.hub_id == chosen.id)
    routes = session.scalars(chosen_routes.order_by(Route.planned_start)).all()
    all_drivers = select(Driver).where(Driver.org_id == org_id, Driver.active)
    if scope.limited:  # the drivers out from their hub today, no one else's
        all_drivers = all_drivers.where(Driver.id.in_({r.driver_id for r in routes}))
    drivers = session.scalars(all_drivers.order_by(Driver.name)).all()
    ids = [d.id for d in drivers]
    on_shift = set(
        session.scalars(
            select(Shift.driver_id).where(Shift.driver_id.in_(ids), Shift.ended_at.is_(None))
        )
    )
    positions = {
        p.driver_id: p
        for p in session.scalars(select(DriverPosition).where(DriverPosition.driver_id.in_(ids)))
    }
    stops = session.execute(
        select(RouteStop, Shipment)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(RouteStop.route_id.in_([r.id for r in routes]))
        .order_by(RouteStop.route_id, RouteStop.sequence)
    ).all()
    etas = {
        row.stop_id: row
        for row in session.scalars(
            select(StopEtaRow).where(StopEtaRow.route_id.in_([r.id for r in routes]))
        )
    }
    by_route: dict[uuid.UUID, list[dict[str, Any]]] = {}
    stop_rows: dict[uuid.UUID, list[RouteStop]] = {}
    for stop, shipment in stops:
        stop_rows.setdefault(stop.route_id, []).append(stop)
        by_route.setdefault(stop.route_id, []).append(
            {
                "id": str(stop.id),
                "sequence": stop.sequence,
                "status": stop.status.value,
                "tracking_number": shipment.tracking_number,
                "shipment_id": str(shipment.id),
                "recipient": shipment.recipient_name,
                "address": shipment.address_text,
                "lat": shipment.lat,
                "lon": shipment.lon,
                "planned_arrival": _iso(stop.planned_arrival),
                "arrived_at": _iso(stop.arrived_at),
                "finished_at": _iso(stop.finished_at),
                "outcome": _outcome(stop, shipment),
                "window_end": _iso(shipment.window_end),
                "shipment_status": shipment.status.value,
                "eta": _eta_of(etas, stop),
            }
        )
    return {
        "day": day.isoformat(),
        "now": now.isoformat(),
        "hubs": [{"id": str(h.id), "code": h.code, "name": h.name} for h in hubs],
        "hub_id": str(chosen.id) if chosen is not None else None,
        "all_hubs": not scope.limited,
        "hub": (
            {"lat": hub.lat, "lon": hub.lon, "name": hub.name, "timezone": hub.timezone}
            if hub is not None
            else None
        ),
        "drivers": [
            {
                "id": str(d.id),
                "name": d.name,
                "on_shift": d.id in on_shift,
                "position": _position(positions.get(d.id)),
            }
            for d in drivers
        ],
        "roster": roster(
            drivers=drivers,
            on_shift=on_shift,
            positions=positions,
            routes=routes,
            stops=stop_rows,
            one_hub=chosen is not None,
            now=now,
        ),
        "stale_after_s": STALE_AFTER_S,
        "routes": [
            {
                "id": str(r.id),
                "driver_id": str(r.driver_id),
                "status": r.status.value,
                "planned_start": _iso(r.planned_start),
                "distance_m": r.distance_m,
                "duration_s": r.duration_s,
                "polyline6": r.polyline6,
                "stops": by_route.get(r.id, []),
            }
            for r in routes
        ],
        "kpis": asdict(
            day_kpis(
                session, org_id=org_id, day=day, hub_id=chosen.id if chosen is not None else None
            )
        )
        | {"day": day.isoformat()},
    }


def _position(position: DriverPosition | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {
        "lat": position.lat,
        "lon": position.lon,
        "at": position.at.isoformat(),
        "speed_mps": position.speed_mps,
        "heading_deg": position.heading_deg,
        "suspect": position.suspect,
        "battery_pct": position.battery_pct,
    }
