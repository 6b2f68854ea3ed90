"""An invoice's lines as the API, the PDF and the CSV show them, and the totals they add up to.

Lines are already rounded (`billing.money`): totals are plain sums and never rounded again, so
a total always equals the sum of the lines printed above it.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from lastmile.billing.money import ZERO, round_money

GROUPS: Final = (
    ("delivery", "Deliveries"),
    ("failed_attempt", "Failed attempts"),
    ("return", "Returns"),
    ("cod_fee", "Cash on delivery fees"),
    ("fuel", "Fuel surcharge"),
    ("adjustment", "Adjustments"),
)
"""Line groups in print order."""

_GROUP_OF_FIRST_WORD: Final = {
    "delivery": "delivery",
    "delivered": "delivery",
    "base": "delivery",
    "distance": "delivery",
    "km": "delivery",
    "weight": "delivery",
    "volume": "delivery",
    "zone": "delivery",
    "window": "delivery",
    "evening": "delivery",
    "weekend": "delivery",
    "failed": "failed_attempt",
    "attempt": "failed_attempt",
    "attempted": "failed_attempt",
    "return": "return",
    "returned": "return",
    "cod": "cod_fee",
    "fuel": "fuel",
}
"""A charge line's group by the first word of its kind: the price parts of a delivery
(distance, weight, zone, time-window premiums) print with the deliveries; a kind named by none
is an adjustment."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an invoice: a snapshot on an issued one, a charge line on a draft."""

    id: uuid.UUID
    charge_line_id: uuid.UUID | None
    kind: str
    description: str
    service_date: date
    tracking_number: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    credits_line_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class TaxSum:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    taxes: tuple[TaxSum, ...]


def totals_of(lines: Iterable[Line], currency: str) -> Totals:
    """Sums of the lines' amounts and taxes, and the tax per rate.

    >>> one = Line(uuid.UUID(int=1), None, "delivery", "d", date(2026, 1, 1), None,
    ...            Decimal(1), Decimal("4.90"), Decimal("4.90"), Decimal(24), Decimal("1.18"))
    >>> totals_of([one, one], "EUR").total
    Decimal('12.16')
    """
    bases: dict[Decimal, Decimal] = {}
    taxes: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.tax_rate.normalize()
        bases[rate] = bases.get(rate, ZERO) + line.amount
        taxes[rate] = taxes.get(rate, ZERO) + line.tax_amount
    subtotal = round_money(sum(bases.values(), ZERO), currency)
    tax_total = round_money(sum(taxes.values(), ZERO), currency)
    return Totals(
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        taxes=tuple(
            TaxSum(rate, round_money(bases[rate], currency), round_money(taxes[rate], currency))
            for rate in sorted(bases)
        ),
    )


def group_of(kind: str) -> str:
    """The print group of a line kind.

    >>> group_of("delivery_km"), group_of("cod_fee"), group_of("weekend_premium")
    ('delivery', 'cod_fee', 'delivery')
    >>> group_of("failed_attempt"), group_of("returned"), group_of("correction")
    ('failed_attempt', 'return', 'adjustment')
    """
    return _GROUP_OF_FIRST_WORD.get(kind.split("_", 1)[0].lower(), "adjustment")


def grouped(lines: Sequence[Line]) -> list[tuple[str, list[Line]]]:
    """(group title, its lines) in print order, empty groups left out; a reversing line is an
    adjustment whatever its kind."""
    by_group: dict[str, list[Line]] = {}
    for line in lines:
        group = "adjustment" if line.credits_line_id else group_of(line.kind)
        by_group.setdefault(group, []).append(line)
    return [(title, by_group[group]) for group, title in GROUPS if group in by_group]
