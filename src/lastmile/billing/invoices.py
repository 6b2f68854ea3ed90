"""Invoices to merchants: a draft recomputed from the period's charge lines whenever it is
read, issued (numbered, its lines snapshotted, frozen), then paid or void.

A draft holds no lines of its own: it shows the merchant's charge lines of the period that no
issued invoice carries yet, so a charge added today is on it the next time anyone looks.
Voiding an issued invoice hands its charge lines back: the next draft of the period carries
them again (its number stays taken, as a void document in the series).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from lastmile.billing.invoice_lines import Line, Totals, totals_of
from lastmile.billing.invoice_models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from lastmile.billing.jobs import org_zone
from lastmile.billing.models import ChargeLine, Merchant
from lastmile.billing.numbering import next_number
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.shipments.models import Shipment


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """An invoice with its lines and totals, however it stands."""

    invoice: Invoice
    merchant: Merchant
    lines: list[Line]
    totals: Totals


def month_period(period: str) -> tuple[date, date]:
    """`YYYY-MM` → its first and last day.

    >>> month_period("2026-02")
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    """
    try:
        start = date.fromisoformat(f"{period}-01")
    except ValueError:
        raise InvalidInput("period", f"{period!r} is not a month written YYYY-MM") from None
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, date.fromordinal(following.toordinal() - 1)


def get_merchant(*, session: Session, org_id: uuid.UUID, merchant_id: uuid.UUID | None) -> Merchant:
    """The merchant, or the organisation's default one when `merchant_id` is None."""
    query = select(Merchant).where(Merchant.org_id == org_id)
    if merchant_id is None:
        found = session.scalar(query.where(Merchant.is_default.is_(True)))
        if found is None:
            raise InvalidInput(
                "merchant_id", "is required: the organisation has no default merchant"
            )
        return found
    found = session.scalar(query.where(Merchant.id == merchant_id))
    if found is None:
        raise InvalidInput("merchant_id", f"{merchant_id} is not a merchant of this organisation")
    return found


def local_today(*, session: Session, org_id: uuid.UUID, now: datetime) -> date:
    """Today at the organisation's clock (`jobs.org_zone`)."""
    return now.astimezone(org_zone(session, org_id=org_id)).date()


def create_draft(
    *,
    session: Session,
    org_id: uuid.UUID,
    merchant: Merchant,
    period_start: date,
    period_end: date,
    created_by: str,
) -> tuple[Invoice, bool]:
    """The merchant's draft for exactly this period, made when there is none; (draft, made)."""
    if period_end < period_start:
        raise InvalidInput("period_end", f"is {period_end}: before period_start {period_start}")
    existing = session.scalar(
        select(Invoice).where(
            Invoice.org_id == org_id,
            Invoice.merchant_id == merchant.id,
            Invoice.kind == InvoiceKind.INVOICE.value,
            Invoice.status == InvoiceStatus.DRAFT.value,
            Invoice.period_start == period_start,
            Invoice.period_end == period_end,
        )
    )
    if existing is not None:
        return existing, False
    draft = Invoice(
        org_id=org_id,
        merchant_id=merchant.id,
        kind=InvoiceKind.INVOICE.value,
        status=InvoiceStatus.DRAFT.value,
        period_start=period_start,
        period_end=period_end,
        currency=merchant.currency,
        created_by=created_by,
    )
    session.add(draft)
    session.flush()
    return draft, True


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    status: InvoiceStatus | None = None
    merchant_id: uuid.UUID | None = None
    period_start: date | None = None
    """Documents whose period overlaps `period_start`..`period_end`."""
    period_end: date | None = None


def list_invoices(
    *, session: Session, org_id: uuid.UUID, filters: InvoiceFilter, limit: int = 200
) -> list[Invoice]:
    """Newest period first, then newest number."""
    query = select(Invoice).where(Invoice.org_id == org_id)
    if filters.status is not None:
        query = query.where(Invoice.status == filters.status.value)
    if filters.merchant_id is not None:
        query = query.where(Invoice.merchant_id == filters.merchant_id)
    if filters.period_start is not None:
        query = query.where(Invoice.period_end >= filters.period_start)
    if filters.period_end is not None:
        query = query.where(Invoice.period_start <= filters.period_end)
    query = query.order_by(Invoice.period_start.desc(), Invoice.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def get_invoice(*, session: Session, org_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice:
    found = session.scalar(
        select(Invoice).where(Invoice.org_id == org_id, Invoice.id == invoice_id)
    )
    if found is None:
        raise NotFound(f"no invoice {invoice_id}")
    return found


def view(*, session: Session, invoice: Invoice) -> InvoiceView:
    """The invoice with its lines: recomputed for a draft, as issued otherwise."""
    merchant = session.get_one(Merchant, invoice.merchant_id)
    if invoice.status == InvoiceStatus.DRAFT.value:
        lines = _draft_lines(session, invoice)
    else:
        lines = [_snapshot_line(row) for row in _stored_lines(session, invoice)]
    return InvoiceView(invoice, merchant, lines, totals_of(lines, invoice.currency))


def _open_charges(invoice: Invoice) -> Select[ChargeLine]:
    return (
        select(ChargeLine)
        .where(
            ChargeLine.org_id == invoice.org_id,
            ChargeLine.merchant_id == invoice.merchant_id,
            ChargeLine.service_date >= invoice.period_start,
            ChargeLine.service_date <= invoice.period_end,
            ChargeLine.invoice_id.is_(None),
        )
        .order_by(ChargeLine.service_date, ChargeLine.created_at, ChargeLine.id)
    )


def _draft_lines(session: Session, invoice: Invoice) -> list[Line]:
    charges = list(session.scalars(_open_charges(invoice)))
    tracking = _tracking_numbers(session, {c.shipment_id for c in charges if c.shipment_id})
    return [
        Line(
            id=charge.id,
            charge_line_id=charge.id,
            kind=charge.kind,
            description=charge.description,
            service_date=charge.service_date,
            tracking_number=tracking.get(charge.shipment_id) if charge.shipment_id else None,
            quantity=charge.quantity,
            unit_price=charge.unit_price,
            amount=charge.amount,
            tax_rate=charge.tax_rate,
            tax_amount=charge.tax_amount,
        )
        for charge in charges
    ]


def _tracking_numbers(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Shipment.id, Shipment.tracking_number).where(Shipment.id.in_(ids))
    )
    return dict(rows.tuples().all())


def _stored_lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    return list(
        session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.org_id == invoice.org_id, InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.position)
        )
    )


def _snapshot_line(row: InvoiceLine) -> Line:
    return Line(
        id=row.id,
        charge_line_id=row.charge_line_id,
        kind=row.kind,
        description=row.description,
        service_date=row.service_date,
        tracking_number=row.tracking_number,
        quantity=row.quantity,
        unit_price=row.unit_price,
        amount=row.amount,
        tax_rate=row.tax_rate,
        tax_amount=row.tax_amount,
        credits_line_id=row.credits_line_id,
    )


def write_lines(session: Session, invoice: Invoice, lines: list[Line]) -> None:
    """Snapshot `lines` onto `invoice` (issuing it, or making a credit note)."""
    for position, line in enumerate(lines, start=1):
        session.add(
            InvoiceLine(
                org_id=invoice.org_id,
                invoice_id=invoice.id,
                position=position,
                charge_line_id=line.charge_line_id,
                credits_line_id=line.credits_line_id,
                tracking_number=line.tracking_number,
                kind=line.kind,
                description=line.description,
                service_date=line.service_date,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_rate=line.tax_rate,
                tax_amount=line.tax_amount,
            )
        )


def freeze(
    *, session: Session, invoice: Invoice, lines: list[Line], issued_by: str, now: datetime
) -> None:
    """Number the document, store its totals and lines, and mark it issued."""
    totals = totals_of(lines, invoice.currency)
    issue_date = local_today(session=session, org_id=invoice.org_id, now=now)
    invoice.number = next_number(
        session=session,
        org_id=invoice.org_id,
        kind=InvoiceKind(invoice.kind),
        year=issue_date.year,
    )
    invoice.subtotal, invoice.tax_total, invoice.total = (
        totals.subtotal,
        totals.tax_total,
        totals.total,
    )
    invoice.issue_date, invoice.issued_at, invoice.issued_by = issue_date, now, issued_by
    invoice.status = InvoiceStatus.ISSUED.value
    session.flush()
    write_lines(session, invoice, lines)
    session.flush()


def issue(*, session: Session, invoice: Invoice, issued_by: str, now: datetime) -> InvoiceView:
    """Issue a draft: its charge lines are claimed for it, it gets the next number."""
    _require_status(invoice, InvoiceStatus.DRAFT, "issue")
    drafted = view(session=session, invoice=invoice)
    if not drafted.lines:
        raise Conflict(
            f"nothing to invoice: {drafted.merchant.name} has no uninvoiced charges "
            f"from {invoice.period_start} to {invoice.period_end}"
        )
    foreign = sorted(_currencies(session, drafted.lines) - {invoice.currency})
    if foreign:
        raise Conflict(f"charges in {', '.join(foreign)} cannot go on a {invoice.currency} invoice")
    ids = [line.id for line in drafted.lines]
    claimed = session.execute(
        update(ChargeLine)
        .where(ChargeLine.id.in_(ids), ChargeLine.invoice_id.is_(None))
        .values(invoice_id=invoice.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
        raise Conflict("some of these charges were invoiced meanwhile: read the draft again")
    freeze(session=session, invoice=invoice, lines=drafted.lines, issued_by=issued_by, now=now)
    return view(session=session, invoice=invoice)


def _currencies(session: Session, lines: list[Line]) -> set[str]:
    ids = [line.id for line in lines]
    return set(session.scalars(select(ChargeLine.currency).where(ChargeLine.id.in_(ids))))


def mark_paid(*, session: Session, invoice: Invoice, now: datetime) -> None:
    _require_status(invoice, InvoiceStatus.ISSUED, "mark as paid")
    invoice.status, invoice.paid_at = InvoiceStatus.PAID.value, now
    session.flush()


def void(*, session: Session, invoice: Invoice, now: datetime) -> None:
    """Void an issued invoice: its number stays taken, its charges are billable again."""
    _require_status(invoice, InvoiceStatus.ISSUED, "void")
    if invoice.kind == InvoiceKind.INVOICE.value:
        session.execute(
            update(ChargeLine)
            .where(ChargeLine.org_id == invoice.org_id, ChargeLine.invoice_id == invoice.id)
            .values(invoice_id=None)
            .execution_options(synchronize_session=False)
        )
    invoice.status, invoice.voided_at = InvoiceStatus.VOID.value, now
    session.flush()


def _require_status(invoice: Invoice, wanted: InvoiceStatus, doing: str) -> None:
    if invoice.status != wanted.value:
        label = invoice.number or "this draft"
        raise Conflict(f"cannot {doing} {label}: it is {invoice.status}, not {wanted.value}")
