"""Credit notes: the one way to correct an issued invoice. A credit note references the
invoice, carries the chosen lines (or all of them) negated, and is issued at once in its own
gapless series (`CN-2026-000001`). A line is credited at most once."""

import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.billing.invoice_lines import Line
from lastmile.billing.invoice_models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from lastmile.billing.invoices import InvoiceView, freeze, view
from lastmile.errors import Conflict, InvalidInput


def credit(
    *,
    session: Session,
    invoice: Invoice,
    line_ids: list[uuid.UUID] | None,
    reason: str,
    issued_by: str,
    now: datetime,
) -> InvoiceView:
    """Issue a credit note for `line_ids` of the invoice (every line not yet credited when
    None)."""
    if invoice.kind != InvoiceKind.INVOICE.value:
        raise Conflict(f"{invoice.number} is a credit note: only an invoice can be credited")
    if invoice.status not in (InvoiceStatus.ISSUED.value, InvoiceStatus.PAID.value):
        label = invoice.number or "this draft"
        raise Conflict(f"cannot credit {label}: it is {invoice.status}, not issued or paid")
    lines = view(session=session, invoice=invoice).lines
    already = _credited_line_ids(session, invoice)
    if line_ids is None:
        chosen = [line for line in lines if line.id not in already]
        if not chosen:
            raise Conflict(f"every line of {invoice.number} is credited already")
    else:
        chosen = _chosen(lines, line_ids, already, invoice)
    note = Invoice(
        org_id=invoice.org_id,
        merchant_id=invoice.merchant_id,
        kind=InvoiceKind.CREDIT_NOTE.value,
        status=InvoiceStatus.DRAFT.value,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        credited_invoice_id=invoice.id,
        reason=reason,
        created_by=issued_by,
    )
    session.add(note)
    session.flush()
    freeze(
        session=session,
        invoice=note,
        lines=[_negated(line) for line in chosen],
        issued_by=issued_by,
        now=now,
    )
    return view(session=session, invoice=note)


def _chosen(
    lines: list[Line], line_ids: list[uuid.UUID], already: set[uuid.UUID], invoice: Invoice
) -> list[Line]:
    if not line_ids:
        raise InvalidInput("line_ids", "is empty: name at least one line, or leave it out for all")
    by_id = {line.id: line for line in lines}
    chosen = []
    for index, line_id in enumerate(dict.fromkeys(line_ids)):
        if line_id not in by_id:
            raise InvalidInput(f"line_ids[{index}]", f"{line_id} is not a line of {invoice.number}")
        if line_id in already:
            raise Conflict(f"line {line_id} of {invoice.number} is credited already")
        chosen.append(by_id[line_id])
    return chosen


def _negated(line: Line) -> Line:
    return replace(
        line,
        credits_line_id=line.id,
        quantity=-line.quantity,
        amount=-line.amount,
        tax_amount=-line.tax_amount,
    )


def _credited_line_ids(session: Session, invoice: Invoice) -> set[uuid.UUID]:
    notes = select(Invoice.id).where(
        Invoice.org_id == invoice.org_id,
        Invoice.credited_invoice_id == invoice.id,
        Invoice.status != InvoiceStatus.VOID.value,
    )
    return {
        line_id
        for line_id in session.scalars(
            select(InvoiceLine.credits_line_id).where(InvoiceLine.invoice_id.in_(notes))
        )
        if line_id is not None
    }


def credit_notes_of(*, session: Session, invoice: Invoice) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.org_id == invoice.org_id, Invoice.credited_invoice_id == invoice.id)
            .order_by(Invoice.created_at)
        )
    )
