"""Barcodes drawn as filled rectangles on an fpdf2 page: vector bars that print sharp at any
printer resolution. The patterns come from well-kept encoders: python-barcode (Code 128) and
segno (QR)."""

import segno
from barcode.codex import Code128
from fpdf import FPDF

QUIET_MODULES = 10
"""Code 128 wants ten modules of white either side; the caller leaves that room."""


def code128_modules(text: str) -> str:
    """The bar pattern of `text`, one character per module: `1` dark, `0` light.

    >>> code128_modules("A")[:11]
    '11010010000'
    """
    built: list[str] = Code128(text).build()
    return built[0]


def _runs(pattern: str) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules."""
    runs: list[tuple[int, int]] = []
    start = -1
    for index, module in enumerate(pattern + "0"):
        if module == "1" and start < 0:
            start = index
        elif module != "1" and start >= 0:
            runs.append((start, index - start))
            start = -1
    return runs


def draw_code128(
    pdf: FPDF, text: str, *, x_mm: float, y_mm: float, width_mm: float, height_mm: float
) -> None:
    """Bars of `text` filling `width_mm` (quiet zones excluded: leave 10 modules' width free)."""
    pattern = code128_modules(text)
    module_mm = width_mm / len(pattern)
    pdf.set_fill_color(0, 0, 0)
    for start, length in _runs(pattern):
        pdf.rect(x_mm + start * module_mm, y_mm, length * module_mm, height_mm, style="F")


def draw_qr(pdf: FPDF, data: str, *, x_mm: float, y_mm: float, size_mm: float) -> None:
    """A QR code (error correction M) of `data`, `size_mm` square without its quiet zone."""
    code = segno.make(data, error="m", micro=False)
    matrix = code.matrix
    module_mm = size_mm / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        line = "".join("1" if cell else "0" for cell in row)
        for start, length in _runs(line):
            pdf.rect(
                x_mm + start * module_mm,
                y_mm + row_index * module_mm,
                length * module_mm,
                module_mm,
                style="F",
            )
