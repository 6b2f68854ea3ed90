"""A spreadsheet file → its header and rows of text, read as a stream and within a row limit.

CSV (comma, semicolon or tab; UTF-8 with or without a byte-order mark) through the `csv`
module; Excel `.xlsx` through openpyxl in read-only mode (the first sheet, values as last
computed)."""

import codecs
import csv
import io
import zipfile
from collections.abc import Generator, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

from lastmile.errors import InvalidInput

MAX_ROWS = 10_000
_SNIFF_BYTES = 16_384
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Table:
    """A file's header row and its data rows, every cell as text ("" when empty)."""

    headers: list[str]
    rows: list[list[str]]


def read_table(stream: BinaryIO, filename: str, *, max_rows: int = MAX_ROWS) -> Table:
    """The table in `stream`: an .xlsx workbook when the name or its first bytes say so,
    else CSV. InvalidInput on `file` for an empty, unreadable or too long file."""
    head = stream.read(4)
    stream.seek(0)
    if filename.lower().endswith(".xlsx") or head == _XLSX_MAGIC:
        lines = _xlsx_rows(stream)
    elif filename.lower().endswith(".xls"):
        raise InvalidInput("file", "old Excel .xls files cannot be read: save it as .xlsx or CSV")
    else:
        lines = _csv_rows(stream)
    with closing(lines):  # the file is let go of even when a row is refused
        return _table(lines, max_rows)


def _table(lines: Iterable[list[str]], max_rows: int) -> Table:
    rows = iter(lines)
    headers: list[str] | None = None
    for first in rows:
        if any(cell.strip() for cell in first):
            headers = [cell.strip() for cell in first]
            break
    if headers is None:
        raise InvalidInput("file", "the file is empty: its first row should name the columns")
    data: list[list[str]] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(data) == max_rows:
            raise InvalidInput(
                "file",
                f"the file has more than {max_rows:,} rows: split it into files of at most"
                f" {max_rows:,} rows",
            )
        data.append(row)
    return Table(headers=headers, rows=data)


def _csv_rows(stream: BinaryIO) -> Generator[list[str]]:
    sample = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    if b"\x00" in sample:
        raise InvalidInput("file", "this is not a CSV text file: upload a .csv or .xlsx file")
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"  # Excel's "CSV" on Windows in Western Europe
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            sample.decode(encoding, errors="replace"), delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(text, dialect)
    except (csv.Error, UnicodeDecodeError) as error:
        raise InvalidInput("file", f"the CSV cannot be read: {error}") from None
    finally:
        text.detach()


def _xlsx_rows(stream: BinaryIO) -> Generator[list[str]]:
    from openpyxl import load_workbook  # only an Excel upload pays for the import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise InvalidInput(
            "file", f"this is not an Excel .xlsx workbook ({error}): upload a .xlsx or CSV file"
        ) from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A cell as the dispatcher sees it: dates as ISO, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()[:5] if isinstance(value, time) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float | Decimal):
        return str(value)
    return str(value).strip()
