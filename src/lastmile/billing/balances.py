"""Each merchant's running balance for a month: the charge lines of services in it."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lastmile.billing.merchants import list_merchants, unsaved_default
from lastmile.billing.models import ChargeLine, Merchant, RateCard
from lastmile.billing.money import ZERO


@dataclass(frozen=True, slots=True)
class Balance:
    merchant: Merchant
    has_rate_card: bool
    deliveries: int
    lines: int
    subtotal: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax


@dataclass
class _Sum:
    lines: int = 0
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    delivered: set[uuid.UUID | None] = field(default_factory=set)


def month_bounds(period: str) -> tuple[date, date]:
    """First day of the month and first day of the next (YYYY-MM).

    >>> month_bounds("2026-12")
    (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    """
    year, month = (int(part) for part in period.split("-"))
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def balances(*, session: Session, org_id: uuid.UUID, period: str) -> list[Balance]:
    """Every merchant's lines with a service date in `period`, summed (sums of rounded lines)."""
    start, end = month_bounds(period)
    in_period = and_(
        ChargeLine.org_id == org_id,
        ChargeLine.service_date >= start,
        ChargeLine.service_date < end,
    )
    # Summed here, not in SQL: SQLite keeps amounts as text and would sum them as floats.
    sums: dict[uuid.UUID, _Sum] = defaultdict(_Sum)
    for merchant_id, shipment_id, key, amount, tax in session.execute(
        select(
            ChargeLine.merchant_id,
            ChargeLine.shipment_id,
            ChargeLine.event_key,
            ChargeLine.amount,
            ChargeLine.tax_amount,
        ).where(in_period)
    ):
        found_sum = sums[merchant_id]
        found_sum.lines += 1
        found_sum.subtotal += amount
        found_sum.tax += tax
        if key.startswith("delivery:"):
            found_sum.delivered.add(shipment_id)
    carded = set(
        session.scalars(
            select(RateCard.merchant_id).where(
                RateCard.org_id == org_id,
                RateCard.valid_from < end,
                or_(RateCard.valid_to.is_(None), RateCard.valid_to > start),
            )
        )
    )
    found = []
    for merchant in _with_default(session, org_id):
        summed = sums.get(merchant.id) or _Sum()
        found.append(
            Balance(
                merchant=merchant,
                has_rate_card=merchant.id in carded,
                deliveries=len(summed.delivered),
                lines=summed.lines,
                subtotal=summed.subtotal,
                tax=summed.tax,
            )
        )
    return found


def _with_default(session: Session, org_id: uuid.UUID) -> list[Merchant]:
    """The merchants, with the default one shown (unsaved) before its first need made it."""
    found = list_merchants(session=session, org_id=org_id)
    if any(m.is_default for m in found):
        return found
    shown = unsaved_default(session=session, org_id=org_id)
    return [shown, *found]
