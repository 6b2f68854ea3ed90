"""Correcting a shipment before it is delivered: a new address text or pin, the recipient's
name, phone or email, the window, the notes; the caller owns the transaction.

An address change is judged again (`addresses.quality`): a new text alone is geocoded as on
create (its old point dropped); a pin placed by a person (a dispatcher, the customer on the
tracking page, the driver at the door) is kept as given and its quality says who moved it,
instead of holding "far from the text" against it. Every correction is audited with only
the fields it changed; hearing of it (the open stop re-timed, ETAs) is the caller's, over the
bus once committed (`correction_events`), with a `PendingRetime` row written here in the same
transaction so that a lost message is made good on the next start.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.quality import Quality, customer_confirmed, with_pin
from lastmile.addresses.types import Geocoder, NoAnswer, Precision
from lastmile.audit import service as audit_log
from lastmile.audit.text import actor_words
from lastmile.audit.types import Action, Actor
from lastmile.db import utcnow
from lastmile.errors import Conflict
from lastmile.hubs.models import Hub
from lastmile.orgsettings.service import get_rules
from lastmile.shipments.address_quality import judge_addresses
from lastmile.shipments.audit_subjects import shipment as shipment_subject
from lastmile.shipments.checks import read_phone
from lastmile.shipments.models import PendingRetime, Shipment
from lastmile.shipments.schemas import ShipmentPatch
from lastmile.shipments.service import get_shipment, hub_day
from lastmile.shipments.status import TERMINAL

_TIMED_FIELDS = ("address_text", "lat", "lon", "window_start", "window_end", "delivery_date")
"""What a planned stop's timing depends on: a change to any re-times it (or, another day, moves
it off its route)."""


@dataclass(frozen=True, slots=True)
class Corrected:
    """The shipment as corrected; `moved`: its address, point, window or day changed, so its
    open stop (if any) has to be re-timed."""

    shipment: Shipment
    moved: bool


def correct_shipment(
    *,
    session: Session,
    org_id: uuid.UUID,
    tracking_number: str,
    patch: ShipmentPatch,
    actor: Actor,
    geocoder: Geocoder | None = None,
) -> Corrected:
    """Apply a dispatcher's or merchant's correction; 409 once delivered or cancelled."""
    shipment = get_shipment(
        session=session, org_id=org_id, tracking_number=tracking_number, for_update=True
    )
    refuse_final(shipment)
    before = _snapshot(shipment)
    if patch.recipient is not None:
        given = patch.recipient.model_fields_set
        if patch.recipient.name is not None:
            shipment.recipient_name = patch.recipient.name
        if "phone" in given:
            region = get_rules(session=session, org_id=org_id).country
            shipment.recipient_phone = read_phone(patch.recipient.phone, region)
        if patch.recipient.email is not None:
            shipment.recipient_email = str(patch.recipient.email)
    if "window" in patch.model_fields_set:
        window = patch.window
        shipment.window_start = window.start if window is not None else None
        shipment.window_end = window.end if window is not None else None
        if window is not None:
            hub = session.get(Hub, shipment.hub_id) if shipment.hub_id is not None else None
            shipment.delivery_date = hub_day(hub, window.start)
    if "instructions" in patch.model_fields_set:
        shipment.instructions = patch.instructions
    if patch.address is not None:
        text = patch.address.text.strip() if patch.address.text is not None else None
        if patch.address.lat is not None and patch.address.lon is not None:
            if text is not None:
                shipment.address_text = text
            _place_pin(shipment, patch.address.lat, patch.address.lon, actor, geocoder, session)
        elif text is not None and text != shipment.address_text:
            shipment.address_text = text
            shipment.lat = shipment.lon = None
            shipment.address_score, shipment.address_reasons = None, None
            shipment.address_geocoded = False
            judge_addresses(session=session, shipments=[shipment], geocoder=geocoder)
    return _recorded(session, shipment, before, actor, Action.SHIPMENT_CORRECT)


def move_pin(
    *,
    session: Session,
    shipment: Shipment,
    lat: float,
    lon: float,
    actor: Actor,
    geocoder: Geocoder | None = None,
) -> Corrected:
    """Put the shipment's pin where a person says the door is (the customer, the driver)."""
    refuse_final(shipment)
    before = _snapshot(shipment)
    _place_pin(shipment, lat, lon, actor, geocoder, session)
    return _recorded(session, shipment, before, actor, Action.SHIPMENT_CORRECT)


def confirm_pin(*, session: Session, shipment: Shipment, actor: Actor) -> Corrected:
    """The customer says the pin is their door: its quality says so (and needs no attention)."""
    refuse_final(shipment)
    if shipment.lat is None or shipment.lon is None:
        raise Conflict("the address has no pin to confirm yet")
    before = _snapshot(shipment)
    _store(shipment, customer_confirmed(shipment.lat, shipment.lon))
    shipment.address_geocoded = False  # a point the customer vouched for: never replaced
    corrected = _recorded(session, shipment, before, actor, Action.SHIPMENT_PIN_CONFIRM)
    return Corrected(corrected.shipment, moved=False)


def refuse_final(shipment: Shipment) -> None:
    """409 naming the status: a delivered or cancelled shipment is history."""
    if shipment.status in TERMINAL:
        raise Conflict(
            f"shipment {shipment.tracking_number} is {shipment.status.value}: it can no longer"
            " be corrected"
        )


def _place_pin(
    shipment: Shipment,
    lat: float,
    lon: float,
    actor: Actor,
    geocoder: Geocoder | None,
    session: Session,
) -> None:
    geocoder = geocoder or IndexGeocoder(session)
    answer = geocoder.geocode(shipment.address_text)
    text_point = None
    if not isinstance(answer, NoAnswer) and answer and answer[0].precision is Precision.ADDRESS:
        text_point = (answer[0].lat, answer[0].lon)
    shipment.lat, shipment.lon = lat, lon
    shipment.address_geocoded = False  # a person's pin: learned points never replace it
    by = actor_words(actor.type.value, actor.name)
    _store(shipment, with_pin(Quality(100, ()), lat, lon, by=by, text_point=text_point))


def _store(shipment: Shipment, quality: Quality) -> None:
    shipment.address_score = quality.score
    shipment.address_reasons = [
        {"code": r.code.value, "message": r.message} for r in quality.reasons
    ]


def _snapshot(shipment: Shipment) -> dict[str, Any]:
    return {
        "address_text": shipment.address_text,
        "lat": shipment.lat,
        "lon": shipment.lon,
        "address_score": shipment.address_score,
        "recipient_name": shipment.recipient_name,
        "recipient_phone": shipment.recipient_phone,
        "recipient_email": shipment.recipient_email,
        "window_start": shipment.window_start,
        "window_end": shipment.window_end,
        "delivery_date": shipment.delivery_date,
        "instructions": shipment.instructions,
    }


def _recorded(
    session: Session, shipment: Shipment, before: dict[str, Any], actor: Actor, action: Action
) -> Corrected:
    after = _snapshot(shipment)
    if action is Action.SHIPMENT_PIN_CONFIRM:  # a confirmation is news even if nothing moved
        after = {**after, "pin_confirmed": True}
    old, new = audit_log.changes(before, after)
    if old or new:
        audit_log.record(
            session=session,
            org_id=shipment.org_id,
            actor=actor,
            action=action,
            subject=shipment_subject(shipment),
            before=old,
            after=new,
        )
    moved = any(before[name] != after[name] for name in _TIMED_FIELDS)
    if moved:
        _ask_for_retime(session, shipment)
    session.flush()
    return Corrected(shipment, moved=moved)


def _ask_for_retime(session: Session, shipment: Shipment) -> None:
    """Leave a durable note that the shipment's stop wants re-timing, in this transaction."""
    pending = session.get(PendingRetime, shipment.id)
    if pending is None:
        session.add(PendingRetime(org_id=shipment.org_id, shipment_id=shipment.id))
    else:
        pending.requested_at = utcnow()
