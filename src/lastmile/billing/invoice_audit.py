"""How invoices are named in the audit log, and which of their fields a change shows."""

from typing import Any

from lastmile.audit.types import Subject, SubjectType
from lastmile.billing.invoice_models import Invoice


def invoice(row: Invoice, merchant_name: str) -> Subject:
    """`2026-000001 (Kauppa Oy)`, or `draft 2026-11-01..2026-11-30 (Kauppa Oy)`."""
    label = row.number or f"draft {row.period_start}..{row.period_end}"
    return Subject(SubjectType.INVOICE, str(row.id), f"{label} ({merchant_name})")


def invoice_fields(row: Invoice) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "status": row.status,
        "number": row.number,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "currency": row.currency,
        "total": str(row.total) if row.total is not None else None,
        "credited_invoice_id": row.credited_invoice_id,
        "reason": row.reason,
    }
