"""Reading import files: CSV in its usual dialects, .xlsx made by openpyxl, and the limits."""

import io
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from lastmile.errors import InvalidInput
from lastmile.imports.reading import read_table


def test_a_semicolon_csv_saved_by_excel_with_a_bom_is_read() -> None:
    text = "\ufeffNimi;Osoite;Puhelin\nAino;Mannerheimintie 1, Helsinki;+358401234567\n;;\n"
    table = read_table(io.BytesIO(text.encode("utf-8")), "orders.csv")
    assert table.headers == ["Nimi", "Osoite", "Puhelin"]
    assert table.rows == [["Aino", "Mannerheimintie 1, Helsinki", "+358401234567"]]


def test_a_windows_1252_csv_keeps_its_letters() -> None:
    text = "name,address\nJyrki Mäkelä,Hämeentie 3\n"
    table = read_table(io.BytesIO(text.encode("cp1252")), "orders.csv")
    assert table.rows == [["Jyrki Mäkelä", "Hämeentie 3"]]


def test_an_xlsx_made_by_openpyxl_is_read_with_dates_times_and_numbers_as_text() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Address", "Date", "From", "Parcels", "Weight"])
    sheet.append(["Aino", "Mannerheimintie 1", datetime(2026, 12, 8), time(9, 30), 2, 1.5])
    sheet.append(["Eino", "Hämeentie 3", date(2026, 12, 9), "10:00", 1.0, None])
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)

    table = read_table(stream, "orders.xlsx")

    assert table.headers == ["Name", "Address", "Date", "From", "Parcels", "Weight"]
    assert table.rows == [
        ["Aino", "Mannerheimintie 1", "2026-12-08", "09:30", "2", "1.5"],
        ["Eino", "Hämeentie 3", "2026-12-09", "10:00", "1", ""],
    ]


def test_a_file_over_the_row_limit_is_refused_saying_the_limit() -> None:
    text = "name,address\n" + "".join(f"A{i},Street {i}\n" for i in range(4))
    with pytest.raises(InvalidInput, match="more than 3 rows") as caught:
        read_table(io.BytesIO(text.encode()), "orders.csv", max_rows=3)
    assert caught.value.field == "file"


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "orders.csv", "empty"),
        (b"PK\x03\x04 not really a zip", "orders.xlsx", "not an Excel .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0", "orders.xls", "old Excel .xls"),
    ],
)
def test_unreadable_files_are_refused_in_words(content: bytes, name: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        read_table(io.BytesIO(content), name)
