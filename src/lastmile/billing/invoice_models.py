"""Tables: invoices and credit notes to merchants, their snapshotted lines, and the counters
that number them without gaps.

An invoice is a **draft** until issued: its lines are then read from the merchant's charge
lines each time. Issuing copies the lines into `invoice_lines`, numbers the invoice and
freezes it; triggers (migration 0020) refuse any later change to its amounts, number or lines
and any delete of it, whatever code or console sends them. Only its status still moves on:
issued → paid or void.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.types import Money


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Invoice(OrgScoped, Base):
    """An invoice (or a credit note) to one merchant for the service days `period_start` to
    `period_end`, both inclusive, at the organisation's clock."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        Index("ix_invoices_merchant_period", "merchant_id", "period_start"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default=InvoiceKind.INVOICE.value)
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.DRAFT.value)
    number: Mapped[str | None] = mapped_column(String(24))
    """`2026-000001` (invoices) or `CN-2026-000001` (credit notes); set when issued."""
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal | None] = mapped_column(Money())
    tax_total: Mapped[Decimal | None] = mapped_column(Money())
    total: Mapped[Decimal | None] = mapped_column(Money())
    """Sums of the rounded lines, stored when issued (a draft's are computed when read)."""
    credited_invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    """The invoice a credit note corrects."""
    reason: Mapped[str | None] = mapped_column(String(500))
    issue_date: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None]
    issued_by: Mapped[str | None] = mapped_column(String(320))
    paid_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvoiceLine(OrgScoped, Base):
    """One line of an issued invoice or credit note, copied from a charge line (negated on a
    credit note); never changed once written."""

    __tablename__ = "invoice_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    charge_line_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    credits_line_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    """On a credit note: the invoice line it cancels."""
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    service_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Money())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Money())
    tax_amount: Mapped[Decimal] = mapped_column(Money())


class InvoiceCounter(OrgScoped, Base):
    """The last number given in one series (`INV`, `CN`) of one year: incremented in the
    issuing transaction, so a number is taken by exactly one document and a rolled-back issue
    gives its number back."""

    __tablename__ = "invoice_counters"
    __table_args__ = (UniqueConstraint("org_id", "series", "year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    series: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
