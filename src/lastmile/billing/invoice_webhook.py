"""Tell a merchant's systems that an invoice was issued: an `invoice.issued` webhook to every
active endpoint of the organisation that names the event (`notify.outbox.queue_webhook`),
queued in the issuing transaction (so it goes out if and only if the issue commits), signed and
retried by the notify worker."""

from typing import Any, Final

from sqlalchemy.orm import Session

from lastmile.billing.invoices import InvoiceView
from lastmile.billing.money import round_money
from lastmile.notify.outbox import queue_webhook

INVOICE_ISSUED: Final = "invoice.issued"


def payload(issued: InvoiceView) -> dict[str, Any]:
    """The webhook's `data`: the invoice's header and totals (money as strings)."""
    invoice, currency = issued.invoice, issued.invoice.currency
    return {
        "invoice_id": str(invoice.id),
        "kind": invoice.kind,
        "number": invoice.number,
        "merchant_id": str(issued.merchant.id),
        "merchant_code": issued.merchant.code,
        "merchant_name": issued.merchant.name,
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "currency": currency,
        "subtotal": str(round_money(issued.totals.subtotal, currency)),
        "tax_total": str(round_money(issued.totals.tax_total, currency)),
        "total": str(round_money(issued.totals.total, currency)),
        "lines": len(issued.lines),
        "credited_invoice_id": (
            str(invoice.credited_invoice_id) if invoice.credited_invoice_id else None
        ),
        "pdf_path": f"/api/v1/billing/invoices/{invoice.id}.pdf",
        "csv_path": f"/api/v1/billing/invoices/{invoice.id}.csv",
    }


def queue_invoice_issued(*, session: Session, issued: InvoiceView) -> int:
    """Queue one message per subscribed endpoint; how many were queued."""
    invoice = issued.invoice
    queued = queue_webhook(
        session=session,
        org_id=invoice.org_id,
        event=INVOICE_ISSUED,
        key=f"{INVOICE_ISSUED}:{invoice.id}",
        data=payload(issued),
    )
    session.flush()
    return len(queued)
