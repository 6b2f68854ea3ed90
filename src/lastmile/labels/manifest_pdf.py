"""A route's manifest as an A4 PDF: the driver's list of stops in order (tracking number,
recipient, address, window, parcels, cash to collect), totals and signature lines for the
hand-over at the hub. Times at the hub's clock."""

from datetime import datetime
from typing import Final

from lastmile.billing.pdf_fonts import BillingPdf
from lastmile.labels.content import Manifest, ManifestStop

_COLUMNS: Final = (
    ("#", 8),
    ("Tracking no.", 30),
    ("Recipient", 36),
    ("Address", 56),
    ("Window", 24),
    ("Parcels", 14),
    ("COD", 22),
)
_LINE_MM: Final = 4.5


def _clock(moment: datetime, manifest: Manifest) -> str:
    return moment.astimezone(manifest.zone).strftime("%H:%M")


def _window(stop: ManifestStop, manifest: Manifest) -> str:
    if stop.window_start is not None and stop.window_end is not None:
        return f"{_clock(stop.window_start, manifest)}\u2013{_clock(stop.window_end, manifest)}"
    return f"ETA {_clock(stop.planned_arrival, manifest)}"


def _cells(stop: ManifestStop, manifest: Manifest) -> tuple[str, ...]:
    return (
        str(stop.number),
        stop.tracking_number,
        stop.recipient_name,
        stop.address,
        _window(stop, manifest),
        str(stop.parcels),
        stop.cod or "",
    )


def render(manifest: Manifest) -> bytes:
    """The PDF's bytes."""
    pdf = BillingPdf()
    pdf.set_title(f"Route manifest: {manifest.driver_name}, {manifest.route_date.isoformat()}")
    pdf.set_author(manifest.org_name)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()

    pdf.paragraph(manifest.org_name, size=12, bold=True, height=6)
    pdf.paragraph("Route manifest", size=16, bold=True, height=8)
    pdf.paragraph(f"Date: {manifest.route_date.isoformat()}    Hub: {manifest.hub}")
    pdf.paragraph(f"Driver: {manifest.driver_name}    Vehicle: {manifest.vehicle}")
    pdf.paragraph(f"Leaves the hub: {_clock(manifest.planned_start, manifest)}")
    parcels = sum(stop.parcels for stop in manifest.stops)
    totals = f"Stops: {len(manifest.stops)}    Parcels: {parcels}"
    if manifest.cod_total:
        totals += f"    Cash to collect: {manifest.cod_total}"
    pdf.paragraph(totals, bold=True)
    pdf.ln(3)

    with pdf.table(
        col_widths=tuple(width for _, width in _COLUMNS),
        text_align="LEFT",
        line_height=_LINE_MM,
        first_row_as_headings=True,
        repeat_headings=1,
    ) as table:
        pdf.set_font(pdf.family_name, "", 8)
        header = table.row()
        for title, _ in _COLUMNS:
            header.cell(title)
        for stop in manifest.stops:
            row = table.row()
            for cell in _cells(stop, manifest):
                row.cell(pdf.text_for(cell))
    if not manifest.stops:
        pdf.paragraph("No stops on this route.")

    pdf.ln(12)
    pdf.set_font(pdf.family_name, "", 9)
    for who in ("Driver", "Dispatcher"):
        pdf.cell(
            0,
            10,
            f"{who}: name ______________________  signature ______________________  time ________",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return pdf.output_and_close()
