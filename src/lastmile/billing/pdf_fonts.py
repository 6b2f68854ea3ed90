"""A font for billing PDFs that writes € and Finnish letters: DejaVu Sans when this machine has
it (Debian's fonts-dejavu-core, or the copy matplotlib ships), else fpdf2's core Helvetica with
text made to fit it (latin-1: `€` written `EUR`). fpdf2 itself ships no TrueType font."""

import importlib.util
import logging
from pathlib import Path
from typing import Final

from fpdf import FPDF

log = logging.getLogger(__name__)

FAMILY: Final = "billing"
_SEARCHED: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)


def _dejavu_dir() -> Path | None:
    candidates = list(_SEARCHED)
    bundled = importlib.util.find_spec("matplotlib")  # found, not imported: only its font
    if bundled is not None and bundled.origin is not None:
        candidates.append(Path(bundled.origin).parent / "mpl-data" / "fonts" / "ttf")
    for folder in candidates:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    return None


class BillingPdf(FPDF):
    """Pages (A4 unless `page_format` says otherwise: a name, or width and height in mm) with
    the billing font installed; `text_for` makes a text writable in it."""

    def __init__(self, page_format: str | tuple[float, float] = "A4") -> None:
        super().__init__(format=page_format)
        folder = _dejavu_dir()
        self.unicode_font = folder is not None
        if folder is not None:
            self.add_font(FAMILY, "", str(folder / "DejaVuSans.ttf"))
            self.add_font(FAMILY, "B", str(folder / "DejaVuSans-Bold.ttf"))
            self.family_name = FAMILY
        else:
            log.warning("no DejaVu Sans found: billing PDFs use Helvetica, € written EUR")
            self.family_name = "helvetica"
        self.set_font(self.family_name, size=9)

    def output_and_close(self) -> bytes:
        """The document's bytes; then the font files fpdf2 keeps open (fontTools reads them
        lazily) are closed, not left to the garbage collector."""
        try:
            return bytes(self.output())
        finally:
            for font in self.fonts.values():
                ttfont = getattr(font, "ttfont", None)
                if ttfont is not None:
                    ttfont.close()

    def text_for(self, text: str) -> str:
        """`text` as the font can write it (unchanged with DejaVu)."""
        return text if self.unicode_font else latin1_text(text)

    def paragraph(
        self, text: str, *, size: float = 9, bold: bool = False, height: float = 5, width: float = 0
    ) -> None:
        """`text` at `size` pt, wrapped in lines `height` mm high across `width` mm (0: to the
        right margin); what follows starts on the left margin below it."""
        self.set_font(self.family_name, "B" if bold else "", size)
        self.multi_cell(width, height, self.text_for(text), new_x="LMARGIN", new_y="NEXT")


def latin1_text(text: str) -> str:
    """`text` as Helvetica can write it: `€` as `EUR`, dashes and narrow spaces plain, any
    other character outside latin-1 as `?`.

    >>> latin1_text("1 234,50 \\u20ac \\u2013 H\\u00e4meenlinna")
    '1 234,50 EUR - H\\xe4meenlinna'
    """
    plain = text.replace("€", "EUR").replace("\u2013", "-")
    plain = plain.replace("\u00a0", " ").replace("\u202f", " ")
    return plain.encode("latin-1", errors="replace").decode("latin-1")
