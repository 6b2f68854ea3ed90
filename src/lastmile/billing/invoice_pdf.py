"""An invoice or credit note as a PDF (fpdf2): issuer, merchant, number, issue date, period,
lines grouped by type with quantities and amounts, tax per rate, totals, money and dates
written in the organisation's locale."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from lastmile.billing.invoice_documents import Document
from lastmile.billing.invoice_lines import Line, grouped, totals_of
from lastmile.billing.money import DEFAULT_LOCALE, format_money
from lastmile.billing.pdf_fonts import BillingPdf

_COLUMNS = (
    ("Date", 22),
    ("Tracking no.", 30),
    ("Description", 62),
    ("Qty", 14),
    ("Unit price", 26),
    ("Amount", 26),
)
_RIGHT = {"Qty", "Unit price", "Amount"}


def _locale(name: str) -> str:
    try:
        return str(Locale.parse(name.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LOCALE


def _title(document: Document) -> str:
    invoice = document.seen.invoice
    if invoice.number is None:
        return "Draft invoice (not issued)"
    kind = "Credit note" if invoice.kind == "credit_note" else "Invoice"
    return f"{kind} {invoice.number}" + (" (void)" if invoice.status == "void" else "")


def render(document: Document) -> bytes:
    """The PDF's bytes."""
    seen, locale = document.seen, _locale(document.locale)
    invoice, currency = seen.invoice, seen.invoice.currency
    pdf = BillingPdf()
    pdf.set_title(_title(document))
    pdf.set_author(document.issuer_name)
    pdf.add_page()

    def day(value: date) -> str:
        return format_date(value, "medium", locale=locale)

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, locale)

    pdf.paragraph(document.issuer_name, size=14, bold=True, height=7)
    if document.issuer_address:
        pdf.paragraph(document.issuer_address)
    pdf.ln(4)
    pdf.paragraph(_title(document), size=16, bold=True, height=8)
    pdf.paragraph(f"Bill to: {seen.merchant.name} ({seen.merchant.code})", bold=True)
    if seen.merchant.billing_address:
        pdf.paragraph(seen.merchant.billing_address)
    if invoice.issue_date is not None:
        pdf.paragraph(f"Issue date: {day(invoice.issue_date)}")
    pdf.paragraph(f"Period: {day(invoice.period_start)} \u2013 {day(invoice.period_end)}")
    if document.credited_number:
        pdf.paragraph(f"Corrects invoice {document.credited_number}")
    if invoice.reason:
        pdf.paragraph(f"Reason: {invoice.reason}")
    pdf.ln(3)

    for title, lines in grouped(seen.lines):
        pdf.paragraph(title, size=11, bold=True, height=7)
        _row(pdf, [name for name, _ in _COLUMNS], bold=True)
        for line in lines:
            _row(pdf, _cells(line, day, money))
        subtotal = totals_of(lines, currency).subtotal
        _row(pdf, ["", "", f"{title}: {len(lines)} lines", "", "", money(subtotal)], bold=True)
        pdf.ln(2)

    totals = seen.totals
    pdf.ln(2)
    for tax in totals.taxes:
        pdf.paragraph(f"Tax {tax.rate.normalize():f} % on {money(tax.base)}: {money(tax.tax)}")
    pdf.paragraph(f"Subtotal: {money(totals.subtotal)}", bold=True)
    pdf.paragraph(f"Tax: {money(totals.tax_total)}", bold=True)
    pdf.paragraph(f"Total: {money(totals.total)}", size=12, bold=True, height=7)
    return pdf.output_and_close()


def _cells(line: Line, day: Callable[[date], str], money: Callable[[Decimal], str]) -> list[str]:
    return [
        day(line.service_date),
        line.tracking_number or "",
        line.description,
        f"{line.quantity.normalize():f}",
        money(line.unit_price),
        money(line.amount),
    ]


def _row(pdf: BillingPdf, cells: list[str], *, bold: bool = False) -> None:
    pdf.set_font(pdf.family_name, "B" if bold else "", 8)
    for (name, width), text in zip(_COLUMNS, cells, strict=True):
        fitted = pdf.text_for(text)
        while fitted and pdf.get_string_width(fitted) > width - 1:
            fitted = fitted[:-1]
        pdf.cell(width, 5, fitted, align="R" if name in _RIGHT else "L")
    pdf.ln(5)
