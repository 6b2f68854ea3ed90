"""A quote: what a hypothetical shipment would cost, by a saved card or unsaved rules. Nothing
is written (the default merchant is only looked up, not created)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.billing.charge_schemas import QuoteIn
from lastmile.billing.jobs import hub_of, zone_of
from lastmile.billing.merchants import DEFAULT_CODE, DEFAULT_CURRENCY, find_merchant
from lastmile.billing.models import Merchant
from lastmile.billing.pricing import Job, Line, price
from lastmile.billing.rates import card_on, rules_of
from lastmile.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Quote:
    currency: str
    lines: list[Line]
    rate_card_version: int | None


def quote(*, session: Session, org_id: uuid.UUID, data: QuoteIn, now: datetime) -> Quote:
    """Price `data.shipment` for `data.event`; 422 naming the field when nothing can price it."""
    wanted = data.shipment
    hub = hub_of(session=session, org_id=org_id, hub_id=wanted.hub_id)
    if wanted.hub_id is not None and hub is None:
        raise InvalidInput("shipment.hub_id", f"no hub {wanted.hub_id} in this organisation")
    zone = zone_of(session=session, org_id=org_id, hub=hub)
    day = wanted.delivery_date or now.astimezone(zone).date()
    job = Job(
        delivery_date=day,
        zone=zone,
        lat=wanted.address.lat,
        lon=wanted.address.lon,
        hub_lat=hub.lat if hub else None,
        hub_lon=hub.lon if hub else None,
        address_text=wanted.address.text,
        weight_kg=wanted.weight_kg,
        volume_m3=wanted.volume_m3,
        window_start=wanted.window.start if wanted.window else None,
        window_end=wanted.window.end if wanted.window else None,
        cod_amount=wanted.cod_amount,
    )
    if data.rules is not None:
        currency = data.currency or _merchant_currency(session, org_id, data.merchant)
        lines = price(happened=data.event, job=job, rules=data.rules, currency=currency)
        return Quote(currency=currency, lines=lines, rate_card_version=None)
    merchant = _merchant(session, org_id, data.merchant)
    card = card_on(session=session, merchant_id=merchant.id, day=day) if merchant else None
    if card is None:
        raise InvalidInput(
            "rules", f"no rate card is valid on {day.isoformat()}: give `rules` to try one"
        )
    lines = price(happened=data.event, job=job, rules=rules_of(card), currency=card.currency)
    return Quote(currency=card.currency, lines=lines, rate_card_version=card.version)


def _merchant(session: Session, org_id: uuid.UUID, code: str | None) -> Merchant | None:
    if code is None:
        return session.scalar(
            select(Merchant).where(Merchant.org_id == org_id, Merchant.is_default.is_(True))
        )
    found = find_merchant(session=session, org_id=org_id, code=code)
    if found is None and code != DEFAULT_CODE:
        raise InvalidInput("merchant", f"no merchant `{code}` in this organisation")
    return found


def _merchant_currency(session: Session, org_id: uuid.UUID, code: str | None) -> str:
    merchant = _merchant(session, org_id, code)
    return merchant.currency if merchant else DEFAULT_CURRENCY
