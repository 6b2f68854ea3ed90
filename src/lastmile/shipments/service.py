"""Creating, finding and listing shipments; the caller owns the transaction."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.addresses.types import Geocoder
from lastmile.auth.credentials import new_token
from lastmile.db import new_id, utcnow
from lastmile.errors import Conflict, FieldError, InvalidInput, NotFound
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.orgsettings.service import get_rules
from lastmile.shipments import tracking_numbers
from lastmile.shipments.address_quality import judge_addresses
from lastmile.shipments.checks import (
    YOUR_HUB,
    CheckedRow,
    check_row,
    read_merchant,
    read_phone,
    row_rules,
)
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.schemas import ShipmentCreate
from lastmile.shipments.sorting import SortKey, encode_cursor, sorted_page
from lastmile.shipments.status import Status
from lastmile.shipments.timeline import append_event, creation_event


def _delivery_date(data: ShipmentCreate, hub: Hub | None, now: datetime) -> date:
    if data.delivery_date is not None:
        return data.delivery_date
    return hub_day(hub, data.window.start if data.window is not None else now)


def hub_day(hub: Hub | None, moment: datetime) -> date:
    """The day `moment` falls on at the hub's clock (UTC without a hub)."""
    zone = ZoneInfo(hub.timezone) if hub is not None else UTC
    return moment.astimezone(zone).date()


def _new_shipment(
    *,
    org_id: uuid.UUID,
    data: ShipmentCreate,
    hub: Hub | None,
    phone: str | None,
    merchant_id: uuid.UUID | None = None,
) -> Shipment:
    now = utcnow()
    return Shipment(
        id=new_id(),
        org_id=org_id,
        tracking_number=tracking_numbers.generate(),
        tracking_token=new_token(24),
        reference=data.reference,
        status=Status.CREATED,
        hub_id=data.hub_id,
        merchant_id=merchant_id,
        lat=data.address.lat,
        lon=data.address.lon,
        delivery_date=_delivery_date(data, hub, now),
        created_at=now,
        updated_at=now,
        **_given(data, phone),
    )


def _given(data: ShipmentCreate, phone: str | None) -> dict[str, Any]:
    """The columns a create request sets exactly as it gives them (`phone` normalised), by
    column name: what a new shipment stores and what a reused reference is compared on."""
    return {
        "recipient_name": data.recipient.name,
        "recipient_phone": phone,
        "recipient_email": data.recipient.email,
        "address_text": data.address.text,
        "window_start": data.window.start if data.window else None,
        "window_end": data.window.end if data.window else None,
        "service_time_s": data.service_time_s,
        "weight_kg": data.weight_kg,
        "volume_m3": data.volume_m3,
        "parcel_count": data.parcel_count,
        "cod_amount": data.cod.amount if data.cod else None,
        "cod_currency": data.cod.currency if data.cod else None,
        "instructions": data.instructions,
    }


def _hubs_by_id(
    *, session: Session, org_id: uuid.UUID, hub_ids: set[uuid.UUID]
) -> dict[uuid.UUID, Hub]:
    if not hub_ids:
        return {}
    query = select(Hub).where(Hub.org_id == org_id, Hub.id.in_(hub_ids))
    return {hub.id: hub for hub in session.scalars(query)}


def _by_reference(
    *, session: Session, org_id: uuid.UUID, references: set[str]
) -> dict[str, Shipment]:
    if not references:
        return {}
    query = select(Shipment).where(Shipment.org_id == org_id, Shipment.reference.in_(references))
    return {s.reference: s for s in session.scalars(query) if s.reference is not None}


# A reference's shipment, field by field as the API names them, against a new request's.
_COMPARED: tuple[tuple[str, str], ...] = (
    ("recipient.name", "recipient_name"),
    ("recipient.phone", "recipient_phone"),
    ("recipient.email", "recipient_email"),
    ("address.text", "address_text"),
    ("window.start", "window_start"),
    ("window.end", "window_end"),
    ("service_time_s", "service_time_s"),
    ("weight_kg", "weight_kg"),
    ("volume_m3", "volume_m3"),
    ("parcel_count", "parcel_count"),
    ("cod.amount", "cod_amount"),
    ("cod.currency", "cod_currency"),
    ("instructions", "instructions"),
)


def differing_fields(existing: Shipment, data: ShipmentCreate, phone: str | None) -> list[str]:
    """The fields in which `data` (a create naming `existing`'s reference) asks for something
    else: a retry of the same request names none. Coordinates, hub, day and merchant count only
    where the request gives them (the stored ones may have been geocoded or defaulted)."""
    wanted = _given(data, phone)
    fields = [name for name, column in _COMPARED if getattr(existing, column) != wanted[column]]
    given_at = (data.address.lat, data.address.lon)
    if data.address.lat is not None and (existing.lat, existing.lon) != given_at:
        fields.append("address.lat")
    if data.hub_id is not None and existing.hub_id != data.hub_id:
        fields.append("hub_id")
    if data.delivery_date is not None and existing.delivery_date != data.delivery_date:
        fields.append("delivery_date")
    if data.merchant is not None and existing.merchant_code != data.merchant:
        fields.append("merchant")
    return fields


def _reference_reused(existing: Shipment, fields: list[str]) -> FieldError:
    return FieldError(
        "reference",
        f"{existing.reference!r} is shipment {existing.tracking_number}, which has another "
        f"{', '.join(fields)}: correct it with PATCH /api/v1/shipments/"
        f"{existing.tracking_number}, or send a new reference",
    )


def _same_or_conflict(existing: Shipment, data: ShipmentCreate, region: str | None) -> Shipment:
    fields = differing_fields(existing, data, read_phone(data.recipient.phone, region))
    if fields:
        reused = _reference_reused(existing, fields)
        raise Conflict(reused.message, errors=[reused])
    return existing


def create_shipment(
    *,
    session: Session,
    org_id: uuid.UUID,
    data: ShipmentCreate,
    actor: str,
    geocoder: Geocoder | None = None,
    merchant_ids: Mapping[str, uuid.UUID] | None = None,
    scope: HubScope = EVERY_HUB,
) -> tuple[Shipment, bool]:
    """(shipment, created); a known merchant reference returns the existing shipment instead
    when the request asks for the same (a retry), and is refused (409 naming the fields) when
    it asks for something else. `geocoder` judges the address (None: the embedded index);
    `merchant_ids` are the organisation's merchants by code (billing's, looked up by the
    caller). A caller limited to some hubs (`scope`) must name one of theirs."""
    region = get_rules(session=session, org_id=org_id).country
    if data.reference is not None:
        found = _by_reference(session=session, org_id=org_id, references={data.reference})
        if data.reference in found:
            return _same_or_conflict(found[data.reference], data, region), False
    hub = None
    if data.hub_id is not None:
        hub = _hubs_by_id(session=session, org_id=org_id, hub_ids={data.hub_id}).get(data.hub_id)
        if hub is None or not scope.allows(hub.id):
            raise InvalidInput("hub_id", f"no hub {data.hub_id} in this organisation")
    elif scope.limited:
        raise InvalidInput("hub_id", YOUR_HUB)
    merchant_id = read_merchant(data, merchant_ids)
    phone = read_phone(data.recipient.phone, region)
    shipment = _new_shipment(
        org_id=org_id, data=data, hub=hub, phone=phone, merchant_id=merchant_id
    )
    judge_addresses(session=session, shipments=[shipment], geocoder=geocoder)
    try:
        with session.begin_nested():
            session.add(shipment)
            session.add(creation_event(shipment=shipment, actor=actor))
    except IntegrityError:
        if data.reference is None:
            raise
        found = _by_reference(session=session, org_id=org_id, references={data.reference})
        return _same_or_conflict(found[data.reference], data, region), False
    return shipment, True


@dataclass
class BulkOutcome:
    shipments: list[Shipment] = field(default_factory=list)
    created: int = 0
    existing: int = 0
    errors: list[tuple[int, FieldError]] = field(default_factory=list)
    fresh: list[Shipment] = field(default_factory=list)
    """The shipments this call created, in input order."""


def bulk_create(
    *,
    session: Session,
    org_id: uuid.UUID,
    rows: Sequence[object],
    actor: str,
    geocoder: Geocoder | None = None,
    merchant_ids: Mapping[str, uuid.UUID] | None = None,
    scope: HubScope = EVERY_HUB,
) -> BulkOutcome:
    """Create every valid row (`check_row`, with the hubs `scope` allows); report each invalid
    row by index and field. `geocoder` judges the addresses (None: the embedded index)."""
    outcome = BulkOutcome()
    rules = row_rules(session=session, org_id=org_id, merchant_ids=merchant_ids, scope=scope)
    checked: list[tuple[int, CheckedRow]] = []
    for index, row in enumerate(rows):
        result = check_row(row, rules=rules)
        if isinstance(result, CheckedRow):
            checked.append((index, result))
        else:
            outcome.errors.extend((index, e) for e in result)

    known = _by_reference(
        session=session,
        org_id=org_id,
        references={c.data.reference for _, c in checked if c.data.reference},
    )
    fresh = outcome.fresh
    for index, good in checked:
        data = good.data
        if data.reference is not None and data.reference in known:
            existing = known[data.reference]
            fields = differing_fields(existing, data, good.phone)
            if fields:
                outcome.errors.append((index, _reference_reused(existing, fields)))
                continue
            outcome.shipments.append(existing)
            outcome.existing += 1
            continue
        shipment = _new_shipment(
            org_id=org_id,
            data=data,
            hub=good.hub,
            phone=good.phone,
            merchant_id=good.merchant_id,
        )
        if data.reference is not None:
            known[data.reference] = shipment
        fresh.append(shipment)
        outcome.shipments.append(shipment)
        outcome.created += 1

    judge_addresses(session=session, shipments=fresh, geocoder=geocoder)
    session.add_all(fresh)
    session.flush()
    session.add_all([creation_event(shipment=s, actor=actor) for s in fresh])
    session.flush()
    outcome.errors.sort(key=lambda item: item[0])
    return outcome


def get_shipment(
    *,
    session: Session,
    org_id: uuid.UUID,
    tracking_number: str,
    for_update: bool = False,
    scope: HubScope = EVERY_HUB,
) -> Shipment:
    """By tracking number, normalised; a number whose check character fails says so, and one
    of a hub the caller's `scope` leaves out is not found. `for_update` holds the row lock
    (and reads the row afresh) so concurrent events replay in turn."""
    try:
        number = tracking_numbers.validate(tracking_number)
    except tracking_numbers.TrackingNumberError as error:
        raise NotFound(str(error)) from None
    query = select(Shipment).where(Shipment.org_id == org_id, Shipment.tracking_number == number)
    query = scope.where(query, Shipment.hub_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    shipment = session.scalar(query)
    if shipment is None:
        raise NotFound(f"no shipment with tracking number {number}")
    return shipment


def get_by_token(*, session: Session, token: str) -> Shipment | None:
    return session.scalar(select(Shipment).where(Shipment.tracking_token == token))


@dataclass(frozen=True, slots=True)
class ShipmentFilter:
    statuses: Sequence[Status] = ()
    delivery_date: date | None = None
    hub_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    query: str | None = None
    address_below: int | None = None
    """Only addresses scored below this (needing attention); unjudged ones are left out."""
    address_at_least: int | None = None
    """Only addresses scored at least this, or not judged (no address index)."""
    attention_also: ColumnElement[bool] | None = None
    """Another reason a shipment needs attention, known above this package (an order on no
    route after its day's plan was committed): joins `address_below` with OR, and is excluded
    with `address_at_least`."""
    scope: HubScope = EVERY_HUB
    """The caller's hubs (a dispatcher limited to some sees theirs only)."""


def _filtered(org_id: uuid.UUID, filters: ShipmentFilter) -> Select[Shipment]:
    query = select(Shipment).where(Shipment.org_id == org_id)
    if filters.statuses:
        query = query.where(Shipment.status.in_(filters.statuses))
    if filters.delivery_date is not None:
        query = query.where(Shipment.delivery_date == filters.delivery_date)
    if filters.hub_id is not None:
        query = query.where(Shipment.hub_id == filters.hub_id)
    query = filters.scope.where(query, Shipment.hub_id)
    if filters.driver_id is not None:
        query = query.where(Shipment.driver_id == filters.driver_id)
    also = filters.attention_also
    if filters.address_below is not None:
        low = Shipment.address_score < filters.address_below
        query = query.where(low if also is None else or_(low, also))
    if filters.address_at_least is not None:
        query = query.where(
            or_(
                Shipment.address_score.is_(None),
                Shipment.address_score >= filters.address_at_least,
            )
        )
        if also is not None:
            query = query.where(not_(also))
    if filters.query:
        text = filters.query.strip()
        matches = [
            Shipment.reference == text,
            Shipment.recipient_name.icontains(text, autoescape=True),
        ]
        number = tracking_numbers.normalise(text)
        if number:
            matches.append(Shipment.tracking_number.startswith(number, autoescape=True))
        query = query.where(or_(*matches))
    return query


def list_shipments(
    *,
    session: Session,
    org_id: uuid.UUID,
    filters: ShipmentFilter,
    limit: int,
    cursor: str | None = None,
    sort: SortKey = SortKey.CREATED,
    descending: bool = True,
) -> tuple[list[Shipment], str | None]:
    """One page in the order asked (default newest first) and the cursor of the next (None
    at the end)."""
    query = sorted_page(_filtered(org_id, filters), sort, descending, cursor).limit(limit + 1)
    rows = list(session.scalars(query))
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return rows[:limit], next_cursor


def count_by_status(
    *, session: Session, org_id: uuid.UUID, filters: ShipmentFilter
) -> dict[Status, int]:
    """How many of the organisation's shipments match `filters`, per status (one GROUP BY)."""
    matching = _filtered(org_id, filters).with_only_columns(Shipment.status).subquery()
    query = select(matching.c.status, func.count()).group_by(matching.c.status)
    return {Status(status): count for status, count in session.execute(query)}


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event on a shipment's timeline, the status before it, and whether it moved it."""

    shipment: Shipment
    event: ShipmentEvent
    previous: Status
    moved: bool


def record_event(
    *,
    session: Session,
    org_id: uuid.UUID,
    tracking_number: str,
    status: Status,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
    reason: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Recorded:
    """Append one event to the shipment's timeline, moving its status where the status machine
    allows (a late event joins the timeline without moving it). Telling the customer is the
    caller's: `dispatch.status.record_status` does both in one transaction."""
    shipment = get_shipment(
        session=session, org_id=org_id, tracking_number=tracking_number, for_update=True
    )
    previous = shipment.status
    event = append_event(
        session=session,
        shipment=shipment,
        status=status,
        actor=actor,
        at=at,
        note=note,
        reason=reason,
        lat=lat,
        lon=lon,
    )
    moved = shipment.status != previous and shipment.status == event.status
    return Recorded(shipment=shipment, event=event, previous=previous, moved=moved)
