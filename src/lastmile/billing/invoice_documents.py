"""What an invoice's PDF and CSV print besides its lines: who issues it, in which language,
and the invoice a credit note corrects."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.models import Organization
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.invoices import InvoiceView
from lastmile.hubs.models import Hub
from lastmile.notify.outbox import org_settings


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice ready to print: its view, the issuer and the locale to write it in."""

    seen: InvoiceView
    issuer_name: str
    issuer_address: str | None
    """The organisation's first hub's address (organisations have none of their own)."""
    locale: str
    credited_number: str | None


def document_of(*, session: Session, seen: InvoiceView) -> Document:
    invoice = seen.invoice
    organisation = session.get_one(Organization, invoice.org_id)
    address = session.scalar(
        select(Hub.address)
        .where(Hub.org_id == invoice.org_id, Hub.address.is_not(None))
        .order_by(Hub.created_at)
        .limit(1)
    )
    credited = None
    if invoice.credited_invoice_id is not None:
        credited = session.scalar(
            select(Invoice.number).where(
                Invoice.org_id == invoice.org_id, Invoice.id == invoice.credited_invoice_id
            )
        )
    return Document(
        seen=seen,
        issuer_name=organisation.name,
        issuer_address=address or None,
        locale=org_settings(session=session, org_id=invoice.org_id).locale,
        credited_number=credited,
    )


def filename(invoice: Invoice, extension: str) -> str:
    """`invoice-2026-000001.pdf`, `credit-note-CN-2026-000001.csv`, `draft-2026-11-01.pdf`."""
    if invoice.number is None:
        return f"draft-{invoice.period_start.isoformat()}.{extension}"
    prefix = "invoice" if invoice.kind == "invoice" else "credit-note"
    return f"{prefix}-{invoice.number}.{extension}"
