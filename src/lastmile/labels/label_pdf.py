"""Shipping labels as a PDF, one parcel a page, A6 or 4x6 in: sender and hub, recipient and
address, route and stop number once planned, parcel n/m, the tracking number as a Code 128
barcode and the tracking link as a QR code."""

from enum import StrEnum
from typing import Final

from lastmile.billing.pdf_fonts import BillingPdf
from lastmile.labels.barcodes import QUIET_MODULES, code128_modules, draw_code128, draw_qr
from lastmile.labels.content import Label


class LabelSize(StrEnum):
    A6 = "a6"
    FOUR_BY_SIX = "4x6"


PAGE_MM: Final[dict[LabelSize, tuple[float, float]]] = {
    LabelSize.A6: (105.0, 148.0),
    LabelSize.FOUR_BY_SIX: (101.6, 152.4),
}
_MARGIN_MM: Final = 5.0
_BARCODE_HEIGHT_MM: Final = 20.0
_QR_MM: Final = 30.0
_MAX_MODULE_MM: Final = 0.5


def _clip(text: str, limit: int) -> str:
    """Long texts end in an ellipsis rather than running off the label."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _label_page(pdf: BillingPdf, label: Label, width_mm: float, height_mm: float) -> None:
    inner = width_mm - 2 * _MARGIN_MM
    pdf.add_page()

    def write(text: str, *, size: float, bold: bool = False) -> None:
        pdf.paragraph(text, size=size, bold=bold, height=size * 0.45, width=inner)

    def rule() -> None:
        y = pdf.get_y() + 1
        pdf.line(_MARGIN_MM, y, width_mm - _MARGIN_MM, y)
        pdf.set_y(y + 1.5)

    pdf.set_xy(_MARGIN_MM, _MARGIN_MM)
    write(f"From: {_clip(label.org_name, 60)}", size=9, bold=True)
    write(f"Hub: {_clip(label.hub, 60)}", size=8)
    rule()
    write("To:", size=8)
    write(_clip(label.recipient_name, 60), size=14, bold=True)
    write(_clip(label.address, 140), size=11)
    if label.recipient_phone:
        write(label.recipient_phone, size=9)
    if label.instructions:
        write(_clip(label.instructions, 90), size=8)
    rule()
    if label.route_name is not None and label.stop_number is not None:
        write(f"Route: {_clip(label.route_name, 50)}", size=9)
        write(f"Stop {label.stop_number} of {label.stops}", size=18, bold=True)
    else:
        write("Not planned on a route yet", size=9)
    write(f"Parcel {label.parcel}/{label.parcels}", size=14, bold=True)
    write(f"Delivery date: {label.delivery_date.isoformat()}", size=9)
    if label.cod:
        write(f"Cash on delivery: {label.cod}", size=10, bold=True)

    modules = len(code128_modules(label.tracking_number))
    module_mm = min(_MAX_MODULE_MM, inner / (modules + 2 * QUIET_MODULES))
    bars_mm = modules * module_mm
    bottom = height_mm - _MARGIN_MM
    qr_y = bottom - _QR_MM
    text_y = qr_y - 8.0
    bars_y = text_y - _BARCODE_HEIGHT_MM
    draw_code128(
        pdf,
        label.tracking_number,
        x_mm=(width_mm - bars_mm) / 2,
        y_mm=bars_y,
        width_mm=bars_mm,
        height_mm=_BARCODE_HEIGHT_MM,
    )
    pdf.set_xy(_MARGIN_MM, text_y + 1)
    pdf.set_font(pdf.family_name, "B", 13)
    pdf.cell(inner, 6, label.tracking_number, align="C")
    draw_qr(
        pdf, label.tracking_link, x_mm=width_mm - _MARGIN_MM - _QR_MM, y_mm=qr_y, size_mm=_QR_MM
    )
    pdf.set_xy(_MARGIN_MM, qr_y + 4)
    pdf.set_font(pdf.family_name, "", 8)
    pdf.multi_cell(
        inner - _QR_MM - 3,
        3.6,
        pdf.text_for(f"Track this parcel: scan the code or open {label.tracking_link}"),
        align="L",
    )


def render(labels: list[Label], size: LabelSize) -> bytes:
    """The PDF's bytes: one page per label, in order."""
    width_mm, height_mm = PAGE_MM[size]
    pdf = BillingPdf(page_format=(width_mm, height_mm))
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.set_title("Shipping labels")
    if labels:
        pdf.set_author(labels[0].org_name)
    for label in labels:
        _label_page(pdf, label, width_mm, height_mm)
    if not labels:
        pdf.add_page()
        pdf.set_font(pdf.family_name, "", 10)
        pdf.cell(0, 6, "No parcels to label.")
    return pdf.output_and_close()
