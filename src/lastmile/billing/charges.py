"""Charges as events happen: a delivered, attempted, returned-to-hub or cancelled-after-
dispatch event adds its lines to the merchant's account once, in the event's transaction.

Keys make it idempotent whatever is replayed: a shipment is delivered once
(`delivery:<shipment>`), cancelled once (`cancel:<shipment>`), attempted and returned once per
delivery round (`attempt:<shipment>:<round>`; a round is a trip out for delivery). A late or
corrected event adds adjusting lines and never edits old ones: a delivery reverses the failed
attempt and the return of its own round (a reversal is keyed `reversal:<line>`, so once), and
an attempt or return recorded after its round's delivery charges nothing.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.billing.jobs import job_of
from lastmile.billing.merchants import merchant_of
from lastmile.billing.models import ChargeLine, Merchant, RateCard
from lastmile.billing.pricing import Happened, Line, price
from lastmile.billing.rates import card_on, rules_of
from lastmile.billing.webhook import queue_charge_created
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import Status

_HAPPENED: dict[Status, Happened] = {
    Status.DELIVERED: Happened.DELIVERED,
    Status.ATTEMPTED: Happened.ATTEMPTED,
    Status.RETURNED_TO_HUB: Happened.RETURNED_TO_HUB,
    Status.CANCELLED: Happened.CANCELLED,
}


_OUT = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVING})


@dataclass(frozen=True, slots=True)
class _Timeline:
    events: Sequence[ShipmentEvent]

    def round_of(self, event: ShipmentEvent) -> int:
        """How many times the shipment had gone out for delivery by `event` (timeline order); a
        repeated "out for delivery" scan within a round does not start another."""
        mark = (event.at, event.id)
        rounds = 0
        previous = Status.CREATED
        for e in self.events:
            if (e.at, e.id) > mark:
                break
            if e.status == Status.OUT_FOR_DELIVERY and previous not in _OUT:
                rounds += 1
            previous = e.status
        return rounds

    def delivered_rounds(self) -> set[int]:
        return {self.round_of(e) for e in self.events if e.status == Status.DELIVERED}


def charge_event(*, session: Session, shipment: Shipment, event: ShipmentEvent) -> list[ChargeLine]:
    """Add the lines `event` causes (none twice), and queue `charge.created` when any was."""
    happened = _HAPPENED.get(event.status)
    if happened is None or not _has_rate_cards(session, shipment.org_id):
        return []
    timeline = _Timeline(_events(session, shipment.id))
    this_round = timeline.round_of(event)
    if happened is Happened.CANCELLED and this_round == 0:
        return []
    if happened in (Happened.ATTEMPTED, Happened.RETURNED_TO_HUB) and (
        this_round in timeline.delivered_rounds()
    ):
        return []
    if happened is Happened.CANCELLED and timeline.delivered_rounds():
        return []
    merchant = merchant_of(
        session=session, org_id=shipment.org_id, merchant_id=shipment.merchant_id
    )
    job = job_of(session=session, shipment=shipment)
    service_date = event.at.astimezone(job.zone).date()
    added: list[ChargeLine] = []
    if happened is Happened.DELIVERED:
        undone = [
            f"attempt:{shipment.id}:{this_round}",
            f"return:{shipment.id}:{this_round}",
            f"cancel:{shipment.id}",
        ]
        added += _reverse(session, shipment.org_id, keys=undone, service_date=service_date)
    key = _key(happened, shipment.id, this_round)
    card = card_on(session=session, merchant_id=merchant.id, day=service_date)
    if card is not None and not _charged(session, shipment.org_id, key):
        lines = price(happened=happened, job=job, rules=rules_of(card), currency=card.currency)
        added += _store(session, shipment, merchant, card, key, service_date, lines)
    if added:
        session.flush()
        queue_charge_created(session=session, shipment=shipment, merchant=merchant, lines=added)
    return added


def _has_rate_cards(session: Session, org_id: uuid.UUID) -> bool:
    """Whether the organisation ever priced anything. Without a card there is no line to add
    or to reverse (every line comes from a card, and cards are never deleted), so the event
    costs one indexed read instead of the timeline, the merchant and the hub; the default
    merchant is then not made here but with the first card, as its rate card needs it."""
    found = session.scalar(select(RateCard.id).where(RateCard.org_id == org_id).limit(1))
    return found is not None


def lines_of(*, session: Session, shipment: Shipment) -> list[ChargeLine]:
    """A shipment's charge lines in the order they were added."""
    return list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.org_id == shipment.org_id, ChargeLine.shipment_id == shipment.id)
            .order_by(ChargeLine.created_at, ChargeLine.event_key, ChargeLine.kind)
        )
    )


def _key(happened: Happened, shipment_id: uuid.UUID, this_round: int) -> str:
    if happened is Happened.DELIVERED:
        return f"delivery:{shipment_id}"
    if happened is Happened.CANCELLED:
        return f"cancel:{shipment_id}"
    prefix = "attempt" if happened is Happened.ATTEMPTED else "return"
    return f"{prefix}:{shipment_id}:{this_round}"


def _events(session: Session, shipment_id: uuid.UUID) -> list[ShipmentEvent]:
    return list(
        session.scalars(
            select(ShipmentEvent)
            .where(ShipmentEvent.shipment_id == shipment_id)
            .order_by(ShipmentEvent.at, ShipmentEvent.id)
        )
    )


def _charged(session: Session, org_id: uuid.UUID, key: str) -> bool:
    found = session.scalar(
        select(ChargeLine.id)
        .where(ChargeLine.org_id == org_id, ChargeLine.event_key == key)
        .limit(1)
    )
    return found is not None


def _store(
    session: Session,
    shipment: Shipment,
    merchant: Merchant,
    card: RateCard,
    key: str,
    service_date: date,
    lines: Sequence[Line],
) -> list[ChargeLine]:
    rows = [
        ChargeLine(
            org_id=shipment.org_id,
            merchant_id=merchant.id,
            shipment_id=shipment.id,
            rate_card_id=card.id,
            event_key=key,
            kind=line.kind,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            tax_rate=line.tax_rate,
            tax_amount=line.tax_amount,
            currency=card.currency,
            service_date=service_date,
        )
        for line in lines
    ]
    session.add_all(rows)
    return rows


def _reverse(
    session: Session, org_id: uuid.UUID, *, keys: Sequence[str], service_date: date
) -> list[ChargeLine]:
    """A negated copy of every line under `keys` not reversed yet, dated `service_date`."""
    originals = session.scalars(
        select(ChargeLine).where(
            ChargeLine.org_id == org_id,
            ChargeLine.event_key.in_(keys),
            ChargeLine.reverses_id.is_(None),
        )
    ).all()
    reversed_ids = set(
        session.scalars(
            select(ChargeLine.reverses_id).where(
                ChargeLine.reverses_id.in_([line.id for line in originals])
            )
        )
    )
    rows = [
        ChargeLine(
            org_id=line.org_id,
            merchant_id=line.merchant_id,
            shipment_id=line.shipment_id,
            rate_card_id=line.rate_card_id,
            event_key=f"reversal:{line.id}",
            kind=line.kind,
            description=f"Reversed: {line.description}"[:300],
            quantity=-line.quantity,
            unit_price=line.unit_price,
            amount=-line.amount,
            tax_rate=line.tax_rate,
            tax_amount=-line.tax_amount,
            currency=line.currency,
            service_date=service_date,
            reverses_id=line.id,
        )
        for line in originals
        if line.id not in reversed_ids
    ]
    session.add_all(rows)
    return rows
