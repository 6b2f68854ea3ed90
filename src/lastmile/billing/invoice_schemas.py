"""Invoice shapes on the API: money as strings in the currency's minor unit, with the
currency beside them."""

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lastmile.api.fields import Day
from lastmile.billing.invoice_lines import Line, group_of
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.invoices import InvoiceView
from lastmile.billing.money import round_money

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]


class InvoiceDraftIn(BaseModel):
    """A merchant (default: the organisation's default merchant) and a period: a `period`
    month, or `period_start` and `period_end` (inclusive days); none: the current month."""

    model_config = ConfigDict(extra="forbid")

    merchant_id: uuid.UUID | None = None
    period: Month | None = None
    period_start: Day | None = None
    period_end: Day | None = None

    @model_validator(mode="after")
    def _one_way_of_naming_the_period(self) -> "InvoiceDraftIn":
        if self.period is not None and (self.period_start or self.period_end):
            raise ValueError("give `period` or `period_start` and `period_end`, not both")
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("`period_start` and `period_end` go together")
        return self


class CreditNoteIn(BaseModel):
    """The lines to credit (their ids on the invoice); left out: every line not yet credited."""

    model_config = ConfigDict(extra="forbid")

    line_ids: list[uuid.UUID] | None = Field(default=None, max_length=10_000)
    reason: str = Field(min_length=1, max_length=500, examples=["Parcel lost in transit"])


class MerchantRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str


class InvoiceLineOut(BaseModel):
    id: uuid.UUID
    charge_line_id: uuid.UUID | None
    credits_line_id: uuid.UUID | None
    group: str
    kind: str
    description: str
    service_date: date
    tracking_number: str | None
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str
    tax_amount: str


class TaxOut(BaseModel):
    rate: str
    base: str
    tax: str


class InvoiceSummaryOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    number: str | None
    merchant: MerchantRef
    period_start: date
    period_end: date
    currency: str
    subtotal: str
    tax_total: str
    total: str
    line_count: int
    issue_date: date | None
    issued_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    credited_invoice_id: uuid.UUID | None
    reason: str | None

    @classmethod
    def of(cls, seen: InvoiceView) -> "InvoiceSummaryOut":
        return cls(**_summary(seen))


class InvoiceOut(InvoiceSummaryOut):
    lines: list[InvoiceLineOut]
    taxes: list[TaxOut]
    credit_notes: list[uuid.UUID]

    @classmethod
    def full(cls, seen: InvoiceView, credit_notes: list[Invoice]) -> "InvoiceOut":
        currency = seen.invoice.currency
        return cls(
            **_summary(seen),
            lines=[_line(line, currency) for line in seen.lines],
            taxes=[
                TaxOut(
                    rate=_plain(t.rate), base=_money(t.base, currency), tax=_money(t.tax, currency)
                )
                for t in seen.totals.taxes
            ],
            credit_notes=[note.id for note in credit_notes],
        )


def _summary(seen: InvoiceView) -> dict[str, object]:
    invoice, currency = seen.invoice, seen.invoice.currency
    return {
        "id": invoice.id,
        "kind": invoice.kind,
        "status": invoice.status,
        "number": invoice.number,
        "merchant": MerchantRef(
            id=seen.merchant.id, code=seen.merchant.code, name=seen.merchant.name
        ),
        "period_start": invoice.period_start,
        "period_end": invoice.period_end,
        "currency": currency,
        "subtotal": _money(seen.totals.subtotal, currency),
        "tax_total": _money(seen.totals.tax_total, currency),
        "total": _money(seen.totals.total, currency),
        "line_count": len(seen.lines),
        "issue_date": invoice.issue_date,
        "issued_at": invoice.issued_at,
        "paid_at": invoice.paid_at,
        "voided_at": invoice.voided_at,
        "credited_invoice_id": invoice.credited_invoice_id,
        "reason": invoice.reason,
    }


def _line(line: Line, currency: str) -> InvoiceLineOut:
    return InvoiceLineOut(
        id=line.id,
        charge_line_id=line.charge_line_id,
        credits_line_id=line.credits_line_id,
        group=group_of(line.kind),
        kind=line.kind,
        description=line.description,
        service_date=line.service_date,
        tracking_number=line.tracking_number,
        quantity=_plain(line.quantity),
        unit_price=_plain(line.unit_price),
        amount=_money(line.amount, currency),
        tax_rate=_plain(line.tax_rate),
        tax_amount=_money(line.tax_amount, currency),
    )


def _money(amount: Decimal, currency: str) -> str:
    return str(round_money(amount, currency))


def _plain(value: Decimal) -> str:
    """A quantity, unit price or rate without trailing zeros: `2`, `0.35`, `25.5`.

    >>> _plain(Decimal("2.0000")), _plain(Decimal("25.50")), _plain(Decimal("100"))
    ('2', '25.5', '100')
    """
    text = format(value.normalize(), "f")
    return re.sub(r"\.0*$", "", text) if "." in text else text
