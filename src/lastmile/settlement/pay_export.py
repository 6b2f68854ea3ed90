"""A pay statement as CSV rows and as a PDF (fpdf2, with billing's font: `billing.pdf_fonts`)."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from lastmile.billing.money import format_money, money_text, round_money
from lastmile.billing.pdf_fonts import BillingPdf
from lastmile.settlement.pay import Statement

CSV_HEADER = (
    "day",
    "kind",
    "description",
    "reference",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "plan_version",
)


def csv_rows(statement: Statement) -> Iterator[list[Any]]:
    currency = statement.currency or ""
    for line in statement.lines:
        yield [
            line.day.isoformat(),
            line.kind,
            line.description,
            line.reference,
            str(line.quantity),
            str(line.unit_price),
            money_text(line.amount, statement.currency),
            currency,
            line.plan_version,
        ]
    yield [
        "",
        "total",
        "",
        "",
        "",
        "",
        money_text(statement.total, statement.currency),
        currency,
        "",
    ]


class _Writer:
    def __init__(self) -> None:
        self.pdf = BillingPdf()
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.family = self.pdf.family_name
        self.pdf.add_page()

    def text(self, value: str) -> str:
        return self.pdf.text_for(value)

    def money(self, amount: Decimal, currency: str | None) -> str:
        if currency is None:
            return str(amount)
        return self.text(format_money(amount, currency))

    def price(self, unit_price: Decimal, currency: str | None) -> str:
        """A unit price finer than the currency's coin (0.255 a km) is shown as it is."""
        if currency is None or round_money(unit_price, currency) != unit_price:
            return f"{unit_price} {currency or ''}".strip()
        return self.money(unit_price, currency)

    def cell(self, width: float, value: str, *, bold: bool = False, align: str = "L") -> None:
        self.pdf.set_font(self.family, "B" if bold else "", 9)
        self.pdf.cell(width, 6, self.text(value), align=align)


def statement_pdf(statement: Statement, *, org_name: str) -> bytes:
    """The statement: who, which period, one row per line, the total."""
    out = _Writer()
    pdf = out.pdf
    pdf.set_font(out.family, "B", 14)
    pdf.cell(
        0, 9, out.text(f"Pay statement: {statement.payee_name}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(out.family, "", 10)
    pdf.cell(
        0, 6, out.text(f"{org_name} · period {statement.period}"), new_x="LMARGIN", new_y="NEXT"
    )
    for note in statement.notes:
        pdf.cell(0, 6, out.text(note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (22, 100, 18, 24, 26)
    for width, title in zip(widths, ("Day", "For", "Qty", "Price", "Amount"), strict=True):
        out.cell(width, title, bold=True, align="R" if title in {"Qty", "Price", "Amount"} else "L")
    pdf.ln()
    for line in statement.lines:
        out.cell(widths[0], line.day.isoformat())
        out.cell(widths[1], line.description[:70])
        out.cell(widths[2], str(line.quantity), align="R")
        out.cell(widths[3], out.price(line.unit_price, statement.currency), align="R")
        out.cell(widths[4], out.money(line.amount, statement.currency), align="R")
        pdf.ln()
    pdf.ln(2)
    out.cell(sum(widths[:4]), "Total", bold=True)
    out.cell(widths[4], out.money(statement.total, statement.currency), bold=True, align="R")
    pdf.ln()
    return pdf.output_and_close()
