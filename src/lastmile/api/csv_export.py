"""CSV downloads, safe to open in a spreadsheet: a text cell that starts like a formula (`=`,
`+`, `-`, `@`, or a tab or carriage return that some spreadsheets skip before one) is written
with a leading `'`, so it shows as the text it is and never runs (CSV injection, OWASP)."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell's value, a text that a spreadsheet would run made inert; numbers stay numbers.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-2+3"), safe_cell(-2.5), safe_cell(None)
    ('\\'=HYPERLINK("http://x")', "'-2+3", -2.5, '')
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """An attachment named `filename`, every cell passed through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )
