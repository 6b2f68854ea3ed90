"""An invoice or credit note as CSV rows: one row per line, each carrying the document's
header fields, so a spreadsheet or an accounting import needs no other file. Amounts are plain
decimals in the currency's minor unit (`-4.90`), never locale-formatted."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final

from lastmile.billing.invoice_documents import Document
from lastmile.billing.invoice_lines import group_of
from lastmile.billing.money import round_money

HEADER: Final = (
    "document",
    "number",
    "status",
    "issuer",
    "merchant_code",
    "merchant_name",
    "period_start",
    "period_end",
    "issue_date",
    "credited_invoice",
    "currency",
    "invoice_subtotal",
    "invoice_tax",
    "invoice_total",
    "line",
    "group",
    "kind",
    "service_date",
    "tracking_number",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "tax_rate",
    "tax_amount",
)


def rows(document: Document) -> Iterator[list[Any]]:
    seen = document.seen
    invoice, currency = seen.invoice, seen.invoice.currency

    def money(amount: Decimal) -> Decimal:
        return round_money(amount, currency)

    head = [
        invoice.kind,
        invoice.number or "",
        invoice.status,
        document.issuer_name,
        seen.merchant.code,
        seen.merchant.name,
        invoice.period_start.isoformat(),
        invoice.period_end.isoformat(),
        invoice.issue_date.isoformat() if invoice.issue_date else "",
        document.credited_number or "",
        currency,
        money(seen.totals.subtotal),
        money(seen.totals.tax_total),
        money(seen.totals.total),
    ]
    for position, line in enumerate(seen.lines, start=1):
        yield [
            *head,
            position,
            "adjustment" if line.credits_line_id else group_of(line.kind),
            line.kind,
            line.service_date.isoformat(),
            line.tracking_number or "",
            line.description,
            line.quantity.normalize(),
            line.unit_price.normalize(),
            money(line.amount),
            line.tax_rate.normalize(),
            money(line.tax_amount),
        ]
