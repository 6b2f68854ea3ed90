"""Recording COD payments, the driver's cash summary, confirming a handover."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import RouteStop
from lastmile.errors import Conflict, InvalidInput
from lastmile.fleet.service import current_shift, get_driver
from lastmile.payments.models import CashLedgerEntry, CodPayment, LedgerKind, PaymentMethod
from lastmile.shipments.models import Shipment


def payment_of(*, session: Session, stop_id: uuid.UUID) -> CodPayment | None:
    return session.scalar(select(CodPayment).where(CodPayment.stop_id == stop_id))


def paid_stop_ids(*, session: Session, stop_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not stop_ids:
        return set()
    return set(session.scalars(select(CodPayment.stop_id).where(CodPayment.stop_id.in_(stop_ids))))


def record_payment(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    driver_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    method: PaymentMethod,
    at: datetime,
    lat: float | None,
    lon: float | None,
    actor: str,
) -> CodPayment:
    """The amount due, paid in full; cash also goes on the driver's ledger."""
    if shipment.cod_amount is None or shipment.cod_currency is None:
        raise Conflict(f"shipment {shipment.tracking_number} has nothing to pay on delivery")
    if currency != shipment.cod_currency:
        raise InvalidInput(
            "currency", f"is {currency}: the amount due is in {shipment.cod_currency}"
        )
    if amount != shipment.cod_amount:
        raise InvalidInput(
            "amount", f"is {amount}: the amount due is {shipment.cod_amount} {currency}"
        )
    if payment_of(session=session, stop_id=stop.id) is not None:
        raise Conflict("this stop's payment is already recorded")
    shift = current_shift(session=session, driver_id=driver_id)
    payment = CodPayment(
        org_id=stop.org_id,
        stop_id=stop.id,
        shipment_id=shipment.id,
        driver_id=driver_id,
        shift_id=shift.id if shift else None,
        amount=amount,
        currency=currency,
        method=method,
        at=at,
        lat=lat,
        lon=lon,
        recorded_at=utcnow(),
    )
    session.add(payment)
    session.flush()
    if method is PaymentMethod.CASH:
        session.add(
            CashLedgerEntry(
                org_id=stop.org_id,
                driver_id=driver_id,
                kind=LedgerKind.COLLECTED,
                amount=amount,
                currency=currency,
                payment_id=payment.id,
                actor=actor,
                note=f"COD {shipment.tracking_number}",
                at=at,
            )
        )
        session.flush()
    return payment


@dataclass
class CashSummary:
    """Cash the driver holds now (per currency) and what this shift took, per method."""

    to_hand_over: dict[str, Decimal] = field(default_factory=dict)
    shift_collected: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    shift_payments: int = 0
    shift_id: uuid.UUID | None = None


def balances(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    query = select(CashLedgerEntry).where(
        CashLedgerEntry.org_id == org_id, CashLedgerEntry.driver_id == driver_id
    )
    for entry in session.scalars(query):
        sign = 1 if entry.kind is LedgerKind.COLLECTED else -1
        totals[entry.currency] += sign * entry.amount
    return {currency: amount for currency, amount in totals.items() if amount != 0}


def cash_summary(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, shift_id: uuid.UUID | None
) -> CashSummary:
    summary = CashSummary(
        to_hand_over=balances(session=session, org_id=org_id, driver_id=driver_id),
        shift_id=shift_id,
    )
    if shift_id is None:
        return summary
    query = select(CodPayment).where(
        CodPayment.org_id == org_id,
        CodPayment.driver_id == driver_id,
        CodPayment.shift_id == shift_id,
    )
    collected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for payment in session.scalars(query):
        collected[payment.method.value][payment.currency] += payment.amount
        summary.shift_payments += 1
    summary.shift_collected = {method: dict(amounts) for method, amounts in collected.items()}
    return summary


def confirm_handover(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    actor: str,
    note: str | None = None,
) -> CashLedgerEntry:
    """The dispatcher counted `amount` from the driver; it may not exceed what the driver holds."""
    get_driver(session=session, org_id=org_id, driver_id=driver_id)
    held = balances(session=session, org_id=org_id, driver_id=driver_id).get(currency, Decimal(0))
    if amount > held:
        raise InvalidInput(
            "amount", f"is {amount} {currency}: the driver holds {held} {currency} in cash"
        )
    entry = CashLedgerEntry(
        org_id=org_id,
        driver_id=driver_id,
        kind=LedgerKind.HANDED_OVER,
        amount=amount,
        currency=currency,
        actor=actor,
        note=note,
        at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def ledger(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID) -> list[CashLedgerEntry]:
    get_driver(session=session, org_id=org_id, driver_id=driver_id)
    query = (
        select(CashLedgerEntry)
        .where(CashLedgerEntry.org_id == org_id, CashLedgerEntry.driver_id == driver_id)
        .order_by(CashLedgerEntry.at, CashLedgerEntry.id)
    )
    return list(session.scalars(query))
