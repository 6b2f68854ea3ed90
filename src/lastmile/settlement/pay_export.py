"""A pay statement as CSV rows and as a PDF (fpdf2).

The PDF embeds DejaVu Sans when the system has it (every letter and €); elsewhere it falls
back to fpdf2's core Helvetica, whose Latin-1 has the Finnish letters but not €, so amounts
there name the currency by its code.
"""

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF

from lastmile.billing.money import format_money, round_money
from lastmile.settlement.pay import Statement

log = logging.getLogger(__name__)

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
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR, _BOLD = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"


def money_text(amount: Decimal, currency: str | None) -> str:
    """An amount as JSON and CSV carry it: rounded to the currency's minor unit, as text."""
    return str(round_money(amount, currency)) if currency else str(amount)


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
        self.pdf = FPDF(orientation="portrait", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.unicode = _REGULAR.is_file() and _BOLD.is_file()
        if self.unicode:
            self.pdf.add_font("DejaVu", "", str(_REGULAR))
            self.pdf.add_font("DejaVu", "B", str(_BOLD))
            self.family = "DejaVu"
        else:
            log.warning("DejaVu Sans not found in %s: pay PDFs use Helvetica", _FONT_DIR)
            self.family = "Helvetica"
        self.pdf.add_page()

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        return value.replace("€", "EUR").encode("latin-1", "replace").decode("latin-1")

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
    return bytes(pdf.output())
