"""What a label and a manifest say, read from the database once: the shapes the PDF and ZPL
writers draw, so those stay pure."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.models import Organization
from lastmile.billing.money import format_money
from lastmile.dispatch import service as dispatch
from lastmile.dispatch.models import Route, RouteStatus, RouteStop
from lastmile.fleet.models import Driver, Vehicle
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment


@dataclass(frozen=True, slots=True)
class Label:
    """One parcel's label; a shipment of three parcels has three, `parcel` 1..3."""

    org_name: str
    hub: str
    tracking_number: str
    tracking_link: str
    recipient_name: str
    recipient_phone: str | None
    address: str
    delivery_date: date
    parcel: int
    parcels: int
    route_name: str | None
    stop_number: int | None
    """1-based, in the route's order; none until the shipment is planned."""
    stops: int | None
    cod: str | None
    instructions: str | None


@dataclass(frozen=True, slots=True)
class ManifestStop:
    number: int
    tracking_number: str
    recipient_name: str
    address: str
    window_start: datetime | None
    window_end: datetime | None
    planned_arrival: datetime
    parcels: int
    cod: str | None


@dataclass(frozen=True, slots=True)
class Manifest:
    org_name: str
    hub: str
    zone: ZoneInfo
    route_date: date
    driver_name: str
    vehicle: str
    planned_start: datetime
    stops: list[ManifestStop]
    cod_total: str | None


def tracking_link(public_url: str, shipment: Shipment) -> str:
    """The customer's tracking page, as the notifications link it."""
    return f"{public_url.rstrip('/')}/t/{shipment.tracking_token}"


def route_name(driver: Driver, vehicle: Vehicle) -> str:
    """How people name a route: its driver and van."""
    return f"{driver.name} ({vehicle.plate})"


def _cod(shipment: Shipment) -> str | None:
    if shipment.cod_amount is None or shipment.cod_currency is None:
        return None
    return format_money(shipment.cod_amount, shipment.cod_currency)


def hub_text(hub: Hub | None) -> str:
    """How people name a hub: its name and code."""
    return f"{hub.name} ({hub.code})" if hub is not None else "no hub"


def _org_name(session: Session, org_id: uuid.UUID) -> str:
    return session.get_one(Organization, org_id).name


def _parcel_labels(
    *,
    org_name: str,
    hub: Hub | None,
    shipment: Shipment,
    public_url: str,
    route: str | None,
    stop_number: int | None,
    stops: int | None,
) -> list[Label]:
    count = max(shipment.parcel_count, 1)
    return [
        Label(
            org_name=org_name,
            hub=hub_text(hub),
            tracking_number=shipment.tracking_number,
            tracking_link=tracking_link(public_url, shipment),
            recipient_name=shipment.recipient_name,
            recipient_phone=shipment.recipient_phone,
            address=shipment.address_text,
            delivery_date=shipment.delivery_date,
            parcel=parcel,
            parcels=count,
            route_name=route,
            stop_number=stop_number,
            stops=stops,
            cod=_cod(shipment),
            instructions=shipment.instructions,
        )
        for parcel in range(1, count + 1)
    ]


def current_stop(*, session: Session, shipment: Shipment) -> tuple[Route, RouteStop] | None:
    """The stop a shipment is planned on (the latest route not yet completed), if any."""
    row = session.execute(
        select(Route, RouteStop)
        .join(RouteStop, RouteStop.route_id == Route.id)
        .where(
            RouteStop.org_id == shipment.org_id,
            RouteStop.shipment_id == shipment.id,
            Route.status != RouteStatus.COMPLETED,
        )
        .order_by(Route.date.desc(), Route.created_at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _crew(session: Session, route: Route) -> tuple[Driver, Vehicle]:
    return session.get_one(Driver, route.driver_id), session.get_one(Vehicle, route.vehicle_id)


def crew_name(session: Session, route: Route) -> str:
    """The route's name (`route_name`) read from the database."""
    return route_name(*_crew(session, route))


@dataclass(frozen=True, slots=True)
class PlannedPlace:
    """Where a shipment is planned: its route and stop, the route's name, the stop's number
    (1-based, in the route's order) and how many stops the route has."""

    route: Route
    stop: RouteStop
    route_name: str
    stop_number: int
    stops: int


def planned_place(*, session: Session, shipment: Shipment) -> PlannedPlace | None:
    """The shipment's place on the route it is planned on (`current_stop`), if any."""
    planned = current_stop(session=session, shipment=shipment)
    if planned is None:
        return None
    route, stop = planned
    name = crew_name(session, route)
    ordered = dispatch.route_stops(session=session, route=route)
    number = 1 + [s.id for s, _ in ordered].index(stop.id)
    return PlannedPlace(route, stop, name, number, len(ordered))


def shipment_labels(
    *,
    session: Session,
    org_id: uuid.UUID,
    tracking_number: str,
    public_url: str,
    scope: HubScope = EVERY_HUB,
) -> list[Label]:
    """One label per parcel of the shipment, with its route and stop once planned."""
    shipment = shipments.get_shipment(
        session=session, org_id=org_id, tracking_number=tracking_number, scope=scope
    )
    hub = session.get(Hub, shipment.hub_id) if shipment.hub_id is not None else None
    place = planned_place(session=session, shipment=shipment)
    return _parcel_labels(
        org_name=_org_name(session, org_id),
        hub=hub,
        shipment=shipment,
        public_url=public_url,
        route=place.route_name if place is not None else None,
        stop_number=place.stop_number if place is not None else None,
        stops=place.stops if place is not None else None,
    )


def route_labels(
    *,
    session: Session,
    org_id: uuid.UUID,
    route_id: uuid.UUID,
    public_url: str,
    scope: HubScope = EVERY_HUB,
) -> list[Label]:
    """Every parcel's label of a route, in stop order."""
    route = dispatch.get_route(session=session, org_id=org_id, route_id=route_id, scope=scope)
    driver, vehicle = _crew(session, route)
    hub = session.get(Hub, route.hub_id)
    ordered = dispatch.route_stops(session=session, route=route)
    org_name = _org_name(session, org_id)
    labels: list[Label] = []
    for number, (_, shipment) in enumerate(ordered, start=1):
        labels += _parcel_labels(
            org_name=org_name,
            hub=hub,
            shipment=shipment,
            public_url=public_url,
            route=route_name(driver, vehicle),
            stop_number=number,
            stops=len(ordered),
        )
    return labels


def route_manifest(
    *, session: Session, org_id: uuid.UUID, route_id: uuid.UUID, scope: HubScope = EVERY_HUB
) -> Manifest:
    """The driver's list of the route's stops in order."""
    route = dispatch.get_route(session=session, org_id=org_id, route_id=route_id, scope=scope)
    driver, vehicle = _crew(session, route)
    hub = session.get_one(Hub, route.hub_id)
    ordered = dispatch.route_stops(session=session, route=route)
    stops = [
        ManifestStop(
            number=number,
            tracking_number=shipment.tracking_number,
            recipient_name=shipment.recipient_name,
            address=shipment.address_text,
            window_start=shipment.window_start,
            window_end=shipment.window_end,
            planned_arrival=stop.planned_arrival,
            parcels=shipment.parcel_count,
            cod=_cod(shipment),
        )
        for number, (stop, shipment) in enumerate(ordered, start=1)
    ]
    return Manifest(
        org_name=_org_name(session, org_id),
        hub=hub_text(hub),
        zone=ZoneInfo(hub.timezone),
        route_date=route.date,
        driver_name=driver.name,
        vehicle=vehicle.plate + (f" {vehicle.name}" if vehicle.name else ""),
        planned_start=route.planned_start,
        stops=stops,
        cod_total=_cod_total(shipment for _, shipment in ordered),
    )


def _cod_total(route_shipments: Iterable[Shipment]) -> str | None:
    """The cash to collect on the route, per currency."""
    totals: dict[str, Decimal] = {}
    for shipment in route_shipments:
        if shipment.cod_amount is not None and shipment.cod_currency is not None:
            currency = shipment.cod_currency
            totals[currency] = totals.get(currency, Decimal(0)) + shipment.cod_amount
    if not totals:
        return None
    return ", ".join(format_money(amount, currency) for currency, amount in sorted(totals.items()))
