"""Live ETAs: recompute a route's remaining stops from a position, store what was said, tell notify.

Per route, the legs between consecutive remaining stops are computed once (per set of
remaining stops) and cached: the planner's road legs when the route has a stored path
(`eta.road_cache`), else the travel source's. A new position only adds its leg to the next
stop: the rest of the planned road leg it is on, a cached detour path, or a straight line.

Storing an ETA (per the rule in `eta.engine`) means: a row in `eta_predictions`, the
`stop_etas` row updated, `notify.hooks.etas_updated` called, a bus message returned to publish.
"""

import itertools
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from lastmile.dispatch import service as dispatch
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.errors import NotFound
from lastmile.eta.engine import EtaEngine, RemainingStop
from lastmile.eta.model import LatLon, Stop, StopForecast, horizon_bucket
from lastmile.eta.models import EtaPrediction, StopEtaRow
from lastmile.eta.predictor import route_pace
from lastmile.eta.road import RoadRoute
from lastmile.eta.schemas import RouteEtasOut, StopEtaOut
from lastmile.ingest.models import DriverPosition
from lastmile.notify import hooks
from lastmile.shipments.models import Shipment
from lastmile.types import StopEta

log = logging.getLogger(__name__)

_STOP_ETA_FIELDS = tuple(field.name for field in fields(StopEta))


@dataclass(frozen=True, slots=True)
class RouteUpdate:
    """A route to forecast from its driver's position (None: from an arrived stop, or none)."""

    route: Route
    origin: LatLon | None
    gps_age_s: float | None


def remaining_stops_of(
    session: Session, *, routes: Sequence[Route]
) -> dict[uuid.UUID, list[RemainingStop]]:
    """Each route's arrived and pending stops in order (an arrived one is where the driver is
    now), in one query."""
    by_id = {route.id: route for route in routes}
    found: dict[uuid.UUID, list[RemainingStop]] = {route_id: [] for route_id in by_id}
    if not by_id:
        return found
    rows = session.execute(
        select(
            RouteStop.id,
            RouteStop.org_id,
            RouteStop.route_id,
            RouteStop.status,
            Shipment.id,
            Shipment.lat,
            Shipment.lon,
            Shipment.window_start,
            Shipment.window_end,
            Shipment.service_time_s,
        )
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(
            RouteStop.org_id.in_({route.org_id for route in routes}),
            RouteStop.route_id.in_(by_id),
            RouteStop.status.in_([StopStatus.PENDING, StopStatus.ARRIVED]),
        )
        .order_by(RouteStop.route_id, RouteStop.sequence)
    )
    for stop_id, org_id, route_id, status, shipment_id, lat, lon, start, end, service_s in rows:
        if org_id != by_id[route_id].org_id or lat is None or lon is None:
            continue
        found[route_id].append(
            RemainingStop(
                stop_id=stop_id,
                shipment_id=shipment_id,
                status=status,
                stop=Stop(
                    stop_id=str(stop_id),
                    lat=lat,
                    lon=lon,
                    window_start=start,
                    window_end=end,
                    service_s=float(service_s),
                ),
            )
        )
    return found


def remaining_stops(session: Session, *, route: Route) -> list[RemainingStop]:
    """Arrived and pending stops in order (an arrived one is where the driver is now)."""
    return remaining_stops_of(session, routes=[route])[route.id]


def _forecast(
    eng: EtaEngine,
    update: RouteUpdate,
    stops: list[RemainingStop],
    road: RoadRoute | None,
    now: datetime,
) -> list[tuple[RemainingStop, StopForecast]]:
    """Every pending stop's forecast from where the driver is (empty when that is unknown)."""
    route, origin = update.route, update.origin
    here = stops[0] if stops and stops[0].status is StopStatus.ARRIVED else None
    pending = [s for s in stops if s.status is StopStatus.PENDING]
    if not pending:
        return []
    driver = str(route.driver_id)
    service_here_s = 0.0
    if here is not None:
        origin = (here.stop.lat, here.stop.lon)
        service_here_s = eng.predictor.service_s(driver_id=driver, stop=here.stop)
    if origin is None:
        return []
    first = pending[0]
    forecasts = eng.predictor.predict(
        now=now,
        origin=origin,
        stops=[s.stop for s in pending],
        first_base_s=eng.roads.to_next_stop_s(
            route_id=route.id,
            road=road,
            stop_id=first.stop_id,
            stop=(first.stop.lat, first.stop.lon),
            position=origin,
            from_stop=here.stop_id if here is not None else None,
        ),
        base_legs_s=eng.legs(route.id, pending, road),
        driver_id=driver,
        gps_age_s=update.gps_age_s,
        service_here_s=service_here_s,
        pace=eng.pace(route.id) if eng.learned.pace_prior_n is not None else 1.0,
    )
    return list(zip(pending, forecasts, strict=True))


def _stop_eta(
    route: Route,
    stop: RemainingStop,
    forecast: StopForecast,
    now: datetime,
    gps_age_s: float | None,
) -> StopEta:
    return StopEta(
        route_id=route.id,
        stop_id=stop.stop_id,
        shipment_id=stop.shipment_id,
        eta=forecast.eta,
        window_start=forecast.window_start,
        window_end=forecast.window_end,
        stops_away=forecast.stops_away,
        computed_at=now,
        gps_age_s=gps_age_s,
    )


def _latest_row(org_id: uuid.UUID, eta: StopEta) -> dict[str, Any]:
    """The `stop_etas` row of an ETA (its columns are the dataclass's fields)."""
    return {"org_id": org_id, **{name: getattr(eta, name) for name in _STOP_ETA_FIELDS}}


def _write(session: Session, by_org: dict[uuid.UUID, list[StopEta]], trigger: str) -> None:
    """Every ETA as a prediction given and as its stop's latest, in bulk statements."""
    rows = [(eta, _latest_row(org_id, eta)) for org_id, etas in by_org.items() for eta in etas]
    if not rows:
        return
    session.execute(
        insert(EtaPrediction),
        [
            {**row, "horizon": horizon_bucket(eta.stops_away), "trigger": trigger}
            for eta, row in rows
        ],
    )
    known = set(
        session.scalars(
            select(StopEtaRow.stop_id).where(StopEtaRow.stop_id.in_([e.stop_id for e, _ in rows]))
        )
    )
    if changed := [row for eta, row in rows if eta.stop_id in known]:
        session.execute(update(StopEtaRow), changed)
    if new := [row for eta, row in rows if eta.stop_id not in known]:
        session.execute(insert(StopEtaRow), new)


def update_routes(
    session: Session,
    updates: Sequence[RouteUpdate],
    *,
    now: datetime,
    trigger: str,
    engine: EtaEngine,
) -> dict[uuid.UUID, list[StopEta]]:
    """Forecast each route's remaining stops; store per the rule; return the stored per route.

    A fixed handful of queries however many routes.
    The caller owns the transaction (and publishes `eta_message`s for what comes back, after
    committing).
    """
    eng = engine
    routes = [asked.route for asked in updates]
    stops = remaining_stops_of(session, routes=routes)
    if routes:
        session.execute(
            delete(StopEtaRow).where(
                StopEtaRow.org_id.in_({route.org_id for route in routes}),
                StopEtaRow.route_id.in_(stops),
                StopEtaRow.stop_id.not_in([s.stop_id for found in stops.values() for s in found]),
            )
        )
    roads = eng.roads.road_routes(session, routes)
    due = [
        (asked, stop, forecast)
        for asked in updates
        for stop, forecast in _forecast(
            eng, asked, stops[asked.route.id], roads[asked.route.id], now
        )
        if eng.should_store(stop.stop_id, forecast, now)
    ]
    stored: dict[uuid.UUID, list[StopEta]] = {route.id: [] for route in routes}
    by_org: dict[uuid.UUID, list[StopEta]] = {}
    for asked, stop, forecast in due:
        eta = _stop_eta(asked.route, stop, forecast, now, asked.gps_age_s)
        stored[asked.route.id].append(eta)
        by_org.setdefault(asked.route.org_id, []).append(eta)
    _write(session, by_org, trigger)
    for org_id, etas in by_org.items():
        hooks.etas_updated(session, org_id=org_id, etas=etas)
    for _, stop, forecast in due:
        eng.remember(stop.stop_id, forecast, now)
    return stored


def update_route(
    session: Session,
    *,
    route: Route,
    origin: LatLon | None,
    now: datetime,
    gps_age_s: float | None,
    trigger: str,
    engine: EtaEngine,
) -> list[StopEta]:
    """`update_routes` for one route."""
    update = RouteUpdate(route, origin, gps_age_s)
    return update_routes(session, [update], now=now, trigger=trigger, engine=engine)[route.id]


def recompute_route(
    session: Session, *, org_id: uuid.UUID, route_id: uuid.UUID, now: datetime, engine: EtaEngine
) -> list[StopEta]:
    """Call after a stop is completed (or the route edited): ETAs from the driver's last position.

    Stores every remaining stop's ETA (the old ones are obsolete); returns them for the caller
    to publish with `publish_etas` after committing.
    """
    route = session.scalar(select(Route).where(Route.org_id == org_id, Route.id == route_id))
    if route is None or route.status is not RouteStatus.IN_PROGRESS:
        return []
    eng = engine
    # A suspect position (a teleported track not trusted again) is no origin for customers.
    position = session.scalar(
        select(DriverPosition).where(
            DriverPosition.org_id == org_id,
            DriverPosition.driver_id == route.driver_id,
            DriverPosition.suspect.is_(False),
        )
    )
    origin = (position.lat, position.lon) if position is not None else None
    gps_age_s = max(0.0, (now - position.at).total_seconds()) if position is not None else None
    for stop in remaining_stops(session, route=route):
        eng.forget(stop.stop_id)
    if eng.learned.pace_prior_n is not None:
        eng.set_pace(route.id, observed_pace(session, route=route, engine_=eng))
    return update_route(
        session,
        route=route,
        origin=origin,
        now=now,
        gps_age_s=gps_age_s,
        trigger="stop",
        engine=engine,
    )


def observed_pace(session: Session, *, route: Route, engine_: EtaEngine) -> float:
    """Actual / predicted time between consecutive arrivals recorded so far on the route."""
    first_arrival = session.execute(
        select(EtaPrediction.stop_id, func.min(EtaPrediction.actual_at))
        .where(
            EtaPrediction.org_id == route.org_id,
            EtaPrediction.route_id == route.id,
            EtaPrediction.actual_at.is_not(None),
        )
        .group_by(EtaPrediction.stop_id)
    )
    arrived = {stop_id: at for stop_id, at in first_arrival if at is not None}
    visited = [
        (stop, shipment, arrived[stop.id])
        for stop, shipment in dispatch.route_stops(session=session, route=route)
        if stop.id in arrived and shipment.lat is not None and shipment.lon is not None
    ]
    predictor = engine_.predictor
    road = engine_.roads.road_route(session, route)
    predicted, actual = [], []
    for (stop_a, a, at_a), (stop_b, b, at_b) in itertools.pairwise(visited):
        origin = Stop(str(a.id), a.lat or 0.0, a.lon or 0.0, service_s=float(a.service_time_s))
        target = Stop(str(b.id), b.lat or 0.0, b.lon or 0.0)
        # The same legs the forecasts use, or the pace would count a detour twice.
        leg = road.leg_into(stop_b.id) if road is not None else None
        base_s = (
            leg.duration_s
            if leg is not None and leg.from_stop == stop_a.id
            else predictor.travel.base_s((origin.lat, origin.lon), (target.lat, target.lon))
        )
        predicted.append(
            predictor.service_s(driver_id=str(route.driver_id), stop=origin)
            + predictor.leg_s(origin, target, base_s=base_s, at=at_a)
        )
        actual.append((at_b - at_a).total_seconds())
    return route_pace(predicted, actual, engine_.learned.pace_prior_n or 0.0)


def record_arrival(
    session: Session, *, org_id: uuid.UUID, stop_id: uuid.UUID, at: datetime
) -> None:
    """The driver reached the stop: fill in the actual arrival of every ETA given for it."""
    session.execute(
        update(EtaPrediction)
        .where(
            EtaPrediction.org_id == org_id,
            EtaPrediction.stop_id == stop_id,
            EtaPrediction.actual_at.is_(None),
        )
        .values(actual_at=at)
    )
    session.execute(
        delete(StopEtaRow).where(StopEtaRow.org_id == org_id, StopEtaRow.stop_id == stop_id)
    )


def eta_message(eta: StopEta) -> dict[str, Any]:
    """The bus message on `shipment_channel(shipment_id)` (format in the team brief)."""
    return {
        "type": "eta",
        "eta": eta.eta.isoformat(),
        "window_start": eta.window_start.isoformat(),
        "window_end": eta.window_end.isoformat(),
        "stops_away": eta.stops_away,
    }


def route_etas(session: Session, *, org_id: uuid.UUID, route_id: uuid.UUID) -> RouteEtasOut:
    """The route's pending and arrived stops with their latest ETA; NotFound across orgs."""
    route = session.scalar(select(Route).where(Route.org_id == org_id, Route.id == route_id))
    if route is None:
        raise NotFound(f"no route {route_id}")
    rows = session.execute(
        select(RouteStop, StopEtaRow)
        .outerjoin(
            StopEtaRow,
            (StopEtaRow.stop_id == RouteStop.id) & (StopEtaRow.route_id == RouteStop.route_id),
        )
        .where(
            RouteStop.org_id == org_id,
            RouteStop.route_id == route.id,
            RouteStop.status.in_([StopStatus.PENDING, StopStatus.ARRIVED]),
        )
        .order_by(RouteStop.sequence)
    )
    return RouteEtasOut(
        route_id=route.id,
        status=route.status.value,
        stops=[
            StopEtaOut(
                stop_id=stop.id,
                shipment_id=stop.shipment_id,
                sequence=stop.sequence,
                status=stop.status.value,
                eta=latest.eta if latest else None,
                window_start=latest.window_start if latest else None,
                window_end=latest.window_end if latest else None,
                stops_away=latest.stops_away if latest else None,
                computed_at=latest.computed_at if latest else None,
                gps_age_s=latest.gps_age_s if latest else None,
            )
            for stop, latest in rows
        ],
    )
