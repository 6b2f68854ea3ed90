"""Scanning parcels at the hub: in (`at_hub`) and onto a route's van (`loaded`), each scan one
status event on the shipment's timeline through `dispatch.status.record_status`, a load also
marked on its route stop (`loaded_at`); and what a route still misses before the van leaves."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lastmile.dispatch import service as dispatch
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.dispatch.status import record_status
from lastmile.errors import Conflict, NotFound
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.hubs.service import get_hub
from lastmile.labels.content import crew_name, hub_text, planned_place
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import LABELS, Status

LOADED_REASON: Final = "loaded"
"""The reason code on a load's `at_hub` event; no label, so the customer's page leaves it out."""

_AT_THE_HUB: Final = frozenset(
    {Status.CREATED, Status.AT_HUB, Status.RETURNED_TO_HUB, Status.EXCEPTION}
)
"""Statuses a parcel can have while it is still at the hub."""


_MADE: Final = frozenset({StopStatus.COMPLETED, StopStatus.FAILED})
"""A stop delivered or attempted: its parcel was on the van, scanned onto it or not."""


def _on_board(stop: RouteStop) -> bool:
    return stop.loaded_at is not None or stop.status in _MADE


def _left_without_scan(route: Route, stops: list[RouteStop]) -> bool:
    """The van left (the route started) and not one parcel was scanned onto it: whatever it
    carries, the load scans cannot say."""
    return route.status is not RouteStatus.PLANNED and all(s.loaded_at is None for s in stops)


class ScanAction(StrEnum):
    AT_HUB = "at_hub"
    LOADED = "loaded"


class Outcome(StrEnum):
    AT_HUB = "at_hub"
    ALREADY_AT_HUB = "already_at_hub"
    LOADED = "loaded"
    ALREADY_LOADED = "already_loaded"


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a scan did, said in words for the person holding the scanner."""

    outcome: Outcome
    message: str
    shipment: Shipment
    route: Route | None
    route_name: str | None
    stop_number: int | None
    loaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoadItem:
    stop_number: int
    tracking_number: str
    recipient_name: str
    address: str
    parcels: int
    loaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoadState:
    """`loaded` holds the parcels scanned onto the van and those delivered or attempted
    from it; `left_without_scan` says the van left with no load scan at all."""

    route: Route
    route_name: str
    loaded: list[LoadItem]
    missing: list[LoadItem]
    left_without_scan: bool


def _token_of(code: str) -> str | None:
    """The token of a scanned tracking link (`…/t/{token}`), else none.

    >>> _token_of("https://track.example/t/AbC-12_x?utm=1"), _token_of("LM1234")
    ('AbC-12_x', None)
    """
    _, found, rest = code.partition("/t/")
    if not found:
        return None
    return rest.split("/")[0].split("?")[0].split("#")[0] or None


def find_scanned(
    *, session: Session, org_id: uuid.UUID, code: str, scope: HubScope = EVERY_HUB
) -> Shipment:
    """The shipment a scanned code names: its tracking number (the barcode) or its tracking
    link (the QR code); held for update, so two scans of one parcel take turns. A parcel of
    a hub the caller's `scope` leaves out is not found."""
    text = code.strip()
    token = _token_of(text)
    if token is not None:
        by_token = shipments.get_by_token(session=session, token=token)
        if by_token is None or by_token.org_id != org_id:
            raise NotFound(f"the scanned link {text!r} is not one of this organisation's parcels")
        text = by_token.tracking_number
    return shipments.get_shipment(
        session=session, org_id=org_id, tracking_number=text, for_update=True, scope=scope
    )


def _status_words(shipment: Shipment) -> str:
    return LABELS[shipment.status].lower()


def _scan_in(
    *, session: Session, shipment: Shipment, hub: Hub, actor: str, now: datetime
) -> Scanned:
    number = shipment.tracking_number
    place = planned_place(session=session, shipment=shipment)
    route, name, stop_number = None, None, None
    if place is not None:
        route, name, stop_number = place.route, place.route_name, place.stop_number
    if shipment.status is Status.AT_HUB:
        return Scanned(
            Outcome.ALREADY_AT_HUB,
            f"{number} was already at the hub",
            shipment,
            route,
            name,
            stop_number,
            None,
        )
    if shipment.status not in _AT_THE_HUB:
        raise Conflict(
            f"{number} is {_status_words(shipment)}: only a parcel at the hub can be scanned in"
        )
    record_status(
        session=session,
        org_id=shipment.org_id,
        tracking_number=number,
        status=Status.AT_HUB,
        actor=actor,
        at=now,
        note=f"scanned in at {hub.name}",
    )
    return Scanned(
        Outcome.AT_HUB, f"{number} is at the hub", shipment, route, name, stop_number, None
    )


def _load(
    *,
    session: Session,
    shipment: Shipment,
    hub: Hub,
    route_id: uuid.UUID | None,
    actor: str,
    now: datetime,
) -> Scanned:
    number = shipment.tracking_number
    place = planned_place(session=session, shipment=shipment)
    if place is None:
        raise Conflict(f"{number} is not planned on any route: plan it before loading it")
    route, stop, name, stop_number = place.route, place.stop, place.route_name, place.stop_number
    if route_id is not None and route.id != route_id:
        raise Conflict(
            f"wrong route: {number} is stop {stop_number} of {name}'s route, not this one"
        )
    if route.hub_id != hub.id:
        other = session.get_one(Hub, route.hub_id)
        raise Conflict(f"{number} leaves from hub {hub_text(other)}, on {name}'s route")
    if stop.loaded_at is not None:
        at = stop.loaded_at.astimezone(ZoneInfo(hub.timezone)).strftime("%H:%M")
        return Scanned(
            Outcome.ALREADY_LOADED,
            f"{number} was already loaded at {at}: stop {stop_number}, {name}",
            shipment,
            route,
            name,
            stop_number,
            stop.loaded_at,
        )
    if route.status is not RouteStatus.PLANNED or shipment.status not in _AT_THE_HUB:
        raise Conflict(
            f"{number} is {_status_words(shipment)}: the van has left, it cannot be loaded"
        )
    recorded = record_status(
        session=session,
        org_id=shipment.org_id,
        tracking_number=number,
        status=Status.AT_HUB,
        actor=actor,
        at=now,
        reason=LOADED_REASON,
        note=f"loaded onto {name}'s van at {hub.name}: stop {stop_number}",
    )
    stop.loaded_at = recorded.event.at
    session.flush()
    return Scanned(
        Outcome.LOADED,
        f"{number} loaded: stop {stop_number}, {name}",
        shipment,
        route,
        name,
        stop_number,
        stop.loaded_at,
    )


def scan(
    *,
    session: Session,
    org_id: uuid.UUID,
    hub_id: uuid.UUID,
    code: str,
    action: ScanAction,
    actor: str,
    now: datetime,
    route_id: uuid.UUID | None = None,
    scope: HubScope = EVERY_HUB,
) -> Scanned:
    """Record one scan at `hub_id`. Scanning again what was already done says so and records
    nothing; a parcel of another hub, the wrong route or a van already gone is a Conflict
    (NotFound when the caller's `scope` leaves that hub out)."""
    hub = get_hub(session=session, org_id=org_id, hub_id=hub_id, scope=scope)
    if route_id is not None:
        dispatch.get_route(session=session, org_id=org_id, route_id=route_id, scope=scope)
    shipment = find_scanned(session=session, org_id=org_id, code=code, scope=scope)
    if action is ScanAction.AT_HUB:
        if shipment.hub_id is not None and shipment.hub_id != hub.id:
            other = session.get_one(Hub, shipment.hub_id)
            raise Conflict(
                f"{shipment.tracking_number} belongs to hub {hub_text(other)}, not {hub_text(hub)}"
            )
        return _scan_in(session=session, shipment=shipment, hub=hub, actor=actor, now=now)
    return _load(
        session=session, shipment=shipment, hub=hub, route_id=route_id, actor=actor, now=now
    )


def load_state(
    *, session: Session, org_id: uuid.UUID, route_id: uuid.UUID, scope: HubScope = EVERY_HUB
) -> LoadState:
    """The route's parcels loaded and still missing, in stop order."""
    route = dispatch.get_route(session=session, org_id=org_id, route_id=route_id, scope=scope)
    loaded: list[LoadItem] = []
    missing: list[LoadItem] = []
    pairs = dispatch.route_stops(session=session, route=route)
    for number, (stop, shipment) in enumerate(pairs, start=1):
        item = LoadItem(
            stop_number=number,
            tracking_number=shipment.tracking_number,
            recipient_name=shipment.recipient_name,
            address=shipment.address_text,
            parcels=shipment.parcel_count,
            loaded_at=stop.loaded_at,
        )
        (loaded if _on_board(stop) else missing).append(item)
    unscanned = _left_without_scan(route, [stop for stop, _ in pairs])
    return LoadState(route, crew_name(session, route), loaded, missing, unscanned)


@dataclass(frozen=True, slots=True)
class HubRoute:
    """`loaded` counts the stops scanned onto the van or delivered or attempted from it."""

    route: Route
    route_name: str
    stops: int
    loaded: int
    left_without_scan: bool


def hub_routes(
    *,
    session: Session,
    org_id: uuid.UUID,
    hub_id: uuid.UUID,
    day: date | None,
    now: datetime,
    scope: HubScope = EVERY_HUB,
) -> list[HubRoute]:
    """The hub's routes of `day` (today at the hub when none), with how many stops are loaded."""
    hub = get_hub(session=session, org_id=org_id, hub_id=hub_id, scope=scope)
    local_day = day or now.astimezone(ZoneInfo(hub.timezone)).date()
    routes = dispatch.list_routes(session=session, org_id=org_id, day=local_day, hub_id=hub.id)
    stops = dispatch.routes_stops(session=session, routes=routes)
    return [
        HubRoute(
            route=route,
            route_name=crew_name(session, route),
            stops=len(stops[route.id]),
            loaded=sum(1 for stop, _ in stops[route.id] if _on_board(stop)),
            left_without_scan=_left_without_scan(route, [stop for stop, _ in stops[route.id]]),
        )
        for route in routes
    ]
