"""HTTP routes for invoices and credit notes: staff read, admins draft, issue, mark paid, void
and credit, each change audited."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from lastmile.api.csv_export import csv_response
from lastmile.api.deps import NowDep, SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import AdminDep, Principal, StaffDep
from lastmile.billing import credit_notes, invoices
from lastmile.billing.invoice_audit import invoice as invoice_subject
from lastmile.billing.invoice_audit import invoice_fields
from lastmile.billing.invoice_csv import HEADER, rows
from lastmile.billing.invoice_documents import Document, document_of, filename
from lastmile.billing.invoice_models import Invoice, InvoiceStatus
from lastmile.billing.invoice_pdf import render as invoice_pdf_render
from lastmile.billing.invoice_schemas import (
    CreditNoteIn,
    InvoiceDraftIn,
    InvoiceOut,
    InvoiceSummaryOut,
    Month,
)
from lastmile.billing.invoice_webhook import queue_invoice_issued
from lastmile.billing.models import Merchant

router = APIRouter(prefix="/api/v1/billing/invoices", tags=["billing"], responses=COMMON_PROBLEMS)


def _full(session: Session, invoice: Invoice) -> InvoiceOut:
    seen = invoices.view(session=session, invoice=invoice)
    return InvoiceOut.full(seen, credit_notes.credit_notes_of(session=session, invoice=invoice))


def _audit(
    session: Session,
    principal: Principal,
    action: Action,
    invoice: Invoice,
    before: dict[str, object] | None,
) -> None:
    merchant = session.get_one(Merchant, invoice.merchant_id)
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=action,
        subject=invoice_subject(invoice, merchant.name),
        before=before,
        after=invoice_fields(invoice),
    )


@router.get("")
def list_invoices(
    session: SessionDep,
    principal: StaffDep,
    status_: Annotated[InvoiceStatus | None, Query(alias="status")] = None,
    merchant_id: uuid.UUID | None = None,
    period: Annotated[Month | None, Query(description="documents overlapping this month")] = None,
) -> list[InvoiceSummaryOut]:
    start, end = invoices.month_period(period) if period else (None, None)
    found = invoices.list_invoices(
        session=session,
        org_id=principal.org_id,
        filters=invoices.InvoiceFilter(
            status=status_, merchant_id=merchant_id, period_start=start, period_end=end
        ),
    )
    return [InvoiceSummaryOut.of(invoices.view(session=session, invoice=row)) for row in found]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": InvoiceOut, "description": "The existing draft"}},
)
def draft_invoice(
    body: InvoiceDraftIn, session: SessionDep, principal: AdminDep, at: NowDep, response: Response
) -> InvoiceOut:
    """The merchant's draft for the period (made, 201, or the existing one, 200)."""
    merchant = invoices.get_merchant(
        session=session, org_id=principal.org_id, merchant_id=body.merchant_id
    )
    if body.period_start is not None and body.period_end is not None:
        start, end = body.period_start, body.period_end
    else:
        today = invoices.local_today(session=session, org_id=principal.org_id, now=at)
        start, end = invoices.month_period(body.period or today.strftime("%Y-%m"))
    draft, made = invoices.create_draft(
        session=session,
        org_id=principal.org_id,
        merchant=merchant,
        period_start=start,
        period_end=end,
        created_by=actor_of(principal).name,
    )
    if made:
        _audit(session, principal, Action.INVOICE_DRAFT, draft, None)
    else:
        response.status_code = status.HTTP_200_OK
    out = _full(session, draft)
    session.commit()
    return out


def _document(session: Session, principal: Principal, invoice_id: uuid.UUID) -> Document:
    found = invoices.get_invoice(session=session, org_id=principal.org_id, invoice_id=invoice_id)
    return document_of(session=session, seen=invoices.view(session=session, invoice=found))


@router.get(
    "/{invoice_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice's PDF"}},
)
def invoice_pdf(invoice_id: uuid.UUID, session: SessionDep, principal: StaffDep) -> Response:
    """The invoice (a draft as it stands now, marked as not issued) as a PDF."""
    document = _document(session, principal, invoice_id)
    name = filename(document.seen.invoice, "pdf")
    return Response(
        invoice_pdf_render(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{invoice_id}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per line"}},
)
def invoice_csv(invoice_id: uuid.UUID, session: SessionDep, principal: StaffDep) -> Response:
    """One row per line, each with the invoice's header fields."""
    document = _document(session, principal, invoice_id)
    return csv_response(HEADER, rows(document), filename=filename(document.seen.invoice, "csv"))


@router.get("/{invoice_id}")
def get_invoice(invoice_id: uuid.UUID, session: SessionDep, principal: StaffDep) -> InvoiceOut:
    """A draft is recomputed from the charges each time it is read; others are as issued."""
    found = invoices.get_invoice(session=session, org_id=principal.org_id, invoice_id=invoice_id)
    return _full(session, found)


def _move(
    session: Session,
    principal: Principal,
    invoice_id: uuid.UUID,
    action: Action,
    step: Callable[[Invoice], None],
) -> InvoiceOut:
    """Load the invoice, apply one status step to it, audit it, commit."""
    found = invoices.get_invoice(session=session, org_id=principal.org_id, invoice_id=invoice_id)
    before = invoice_fields(found)
    step(found)
    _audit(session, principal, action, found, before)
    out = _full(session, found)
    session.commit()
    return out


@router.post("/{invoice_id}/issue")
def issue_invoice(
    invoice_id: uuid.UUID, session: SessionDep, principal: AdminDep, at: NowDep
) -> InvoiceOut:
    """Number and freeze a draft, queueing `invoice.issued`; 409 unless it is a draft."""

    def issue(draft: Invoice) -> None:
        issued = invoices.issue(
            session=session, invoice=draft, issued_by=actor_of(principal).name, now=at
        )
        queue_invoice_issued(session=session, issued=issued)

    return _move(session, principal, invoice_id, Action.INVOICE_ISSUE, issue)


@router.post("/{invoice_id}/pay")
def pay_invoice(
    invoice_id: uuid.UUID, session: SessionDep, principal: AdminDep, at: NowDep
) -> InvoiceOut:
    """Mark an issued invoice paid; 409 unless it is issued."""
    return _move(
        session,
        principal,
        invoice_id,
        Action.INVOICE_PAY,
        lambda found: invoices.mark_paid(session=session, invoice=found, now=at),
    )


@router.post("/{invoice_id}/void")
def void_invoice(
    invoice_id: uuid.UUID, session: SessionDep, principal: AdminDep, at: NowDep
) -> InvoiceOut:
    """Void an issued invoice: its number stays taken, its charges go on the next draft."""
    return _move(
        session,
        principal,
        invoice_id,
        Action.INVOICE_VOID,
        lambda found: invoices.void(session=session, invoice=found, now=at),
    )


@router.post("/{invoice_id}/credit-notes", status_code=status.HTTP_201_CREATED)
def credit_invoice(
    invoice_id: uuid.UUID, body: CreditNoteIn, session: SessionDep, principal: AdminDep, at: NowDep
) -> InvoiceOut:
    """Issue a credit note for some lines (`line_ids`) or all of the invoice."""
    found = invoices.get_invoice(session=session, org_id=principal.org_id, invoice_id=invoice_id)
    note = credit_notes.credit(
        session=session,
        invoice=found,
        line_ids=body.line_ids,
        reason=body.reason,
        issued_by=actor_of(principal).name,
        now=at,
    )
    queue_invoice_issued(session=session, issued=note)
    _audit(session, principal, Action.INVOICE_CREDIT, note.invoice, None)
    out = _full(session, note.invoice)
    session.commit()
    return out
