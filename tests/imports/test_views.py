"""Importing orders over the API: the preview names the bad rows and their columns, then
valid rows only creates the rest and all-or-nothing creates none."""

import io
import json
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from testkit.bodies import hub_body, shipment_body
from tests.common import OrgHandle

HEADER = "Tilausnumero;Vastaanottaja;Puhelin;Osoite;Toimituspäivä;Alkaen;Asti;Kollit\n"
GOOD = "R-{i};Aino {i};+358401234567;Mannerheimintie {i}, Helsinki;8.12.2026;9.00;12.00;2\n"
# Row 3: no recipient name; row 5: a phone that is no phone.
BAD_NAME = "R-X;;+358401234567;Hämeentie 1, Helsinki;8.12.2026;9.00;12.00;1\n"
BAD_PHONE = "R-Y;Eino;12;Hämeentie 2, Helsinki;8.12.2026;9.00;12.00;1\n"


def _csv() -> bytes:
    rows = [GOOD.format(i=1), BAD_NAME, GOOD.format(i=2), BAD_PHONE, GOOD.format(i=3)]
    return (HEADER + "".join(rows)).encode()


def _files(content: bytes, name: str = "orders.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, content, "text/csv")}


def _imported(client: TestClient, org: OrgHandle, content: bytes, mode: str) -> Any:
    answer = client.post(
        "/api/v1/imports", files=_files(content), data={"mode": mode}, headers=org.headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _count(client: TestClient, org: OrgHandle) -> int:
    counts = client.get("/api/v1/shipments/counts", headers=org.headers).json()
    return sum(counts.values())


def test_the_preview_names_the_two_bad_rows_and_their_columns(
    client: TestClient, org: OrgHandle
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()

    answer = client.post(
        "/api/v1/imports/preview",
        files=_files(_csv()),
        data={"hub_id": hub["id"]},
        headers=org.headers,
    )

    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["mapping"]["recipient_name"] == 1
    assert (preview["total_rows"], preview["valid_rows"], preview["bad_rows"]) == (5, 3, 2)
    assert [(p["row"], p["column"]) for p in preview["problems"]] == [
        (3, "Vastaanottaja"),
        (5, "Puhelin"),
    ]
    assert preview["problems"][0]["message"] == "is empty: every order needs it"
    assert "'12'" in preview["problems"][1]["message"]
    assert preview["sample"][0][0] == "R-1"
    assert _count(client, org) == 0


def test_a_row_with_several_problems_names_them_all(client: TestClient, org: OrgHandle) -> None:
    """An unreadable parcel count used to hide the empty address of the same row."""
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    row = "R-Z;Eino;+358401234567;;8.12.2026;9.00;12.00;many\n"
    answer = client.post(
        "/api/v1/imports/preview",
        files=_files((HEADER + row).encode()),
        data={"hub_id": hub["id"]},
        headers=org.headers,
    )
    assert answer.status_code == 200, answer.text
    columns = {p["column"] for p in answer.json()["problems"]}
    assert {"Kollit", "Osoite"} <= columns


def test_valid_rows_only_creates_the_rest_in_the_hubs_clock(
    client: TestClient, org: OrgHandle
) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()

    answer = client.post(
        "/api/v1/imports",
        files=_files(_csv()),
        data={"mode": "valid_only", "hub_id": hub["id"]},
        headers=org.headers,
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["created"], result["skipped"]) == (3, 2)
    assert [p["row"] for p in result["problems"]] == [3, 5]
    listed = client.get("/api/v1/shipments?q=R-2", headers=org.headers).json()["items"]
    [order] = listed
    assert order["window"]["start"] == "2026-12-08T07:00:00Z"
    assert order["hub_id"] == hub["id"]
    assert order["parcel_count"] == 2


def test_all_or_nothing_creates_none_when_a_row_is_bad(client: TestClient, org: OrgHandle) -> None:
    answer = client.post(
        "/api/v1/imports",
        files=_files(_csv()),
        data={"mode": "all_or_nothing"},
        headers=org.headers,
    )

    assert answer.status_code == 200, answer.text
    assert (answer.json()["created"], answer.json()["skipped"]) == (0, 5)
    assert _count(client, org) == 0


def test_a_chosen_mapping_wins_over_the_guess(client: TestClient, org: OrgHandle) -> None:
    content = b"a,b,c\nAino,Mannerheimintie 1 Helsinki,x\n"
    refused = client.post(
        "/api/v1/imports/preview",
        files=_files(content),
        data={"mapping": json.dumps({"recipient_name": 0})},
        headers=org.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "mapping.address"

    answer = client.post(
        "/api/v1/imports",
        files=_files(content),
        data={"mapping": json.dumps({"recipient_name": 0, "address": 1})},
        headers=org.headers,
    )
    assert answer.json()["created"] == 1, answer.text


def test_an_xlsx_file_is_imported(client: TestClient, org: OrgHandle) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Address", "Parcels", "Reference"])
    sheet.append(["Aino", "Mannerheimintie 1, Helsinki", 3, "X-1"])
    stream = io.BytesIO()
    book.save(stream)

    answer = client.post(
        "/api/v1/imports", files=_files(stream.getvalue(), "orders.xlsx"), headers=org.headers
    )

    assert answer.json()["created"] == 1, answer.text
    [order] = client.get("/api/v1/shipments?q=X-1", headers=org.headers).json()["items"]
    assert order["parcel_count"] == 3


def test_a_file_that_is_not_a_table_is_a_422_naming_the_file(
    client: TestClient, org: OrgHandle
) -> None:
    answer = client.post(
        "/api/v1/imports/preview", files=_files(b"PK\x03\x04junk", "x.xlsx"), headers=org.headers
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "file"


def test_a_row_the_bulk_path_refuses_rolls_back_all_or_nothing(
    client: TestClient, org: OrgHandle
) -> None:
    """A reference already used for another recipient is found only by the bulk create:
    all or nothing undoes the rows it had made, valid rows only keeps them."""
    taken = shipment_body(reference="R-1", recipient={"name": "Someone Else"})
    assert client.post("/api/v1/shipments", json=taken, headers=org.headers).status_code == 201
    content = (HEADER + GOOD.format(i=2) + GOOD.format(i=1)).encode()

    refused = _imported(client, org, content, "all_or_nothing")

    assert (refused["created"], refused["skipped"]) == (0, 2)
    [problem] = refused["problems"]
    assert (problem["row"], problem["column"]) == (3, "Tilausnumero")
    assert _count(client, org) == 1

    kept = _imported(client, org, content, "valid_only")
    assert (kept["created"], kept["skipped"]) == (1, 1)
    assert _count(client, org) == 2


def test_the_preview_refuses_the_rows_the_import_refuses_and_for_the_same_reasons(
    client: TestClient, org: OrgHandle
) -> None:
    """The preview checks a row with the bulk create's own check: a schema error, a national
    phone (the organisation has no country) and an unknown merchant read alike in both."""
    header = HEADER.replace("\n", ";Kauppias\n")
    rows = [
        GOOD.format(i=1).replace("\n", ";\n"),
        BAD_NAME.replace("\n", ";\n"),
        "R-N;Eino;040 123 4567;Hämeentie 3, Helsinki;8.12.2026;9.00;12.00;1;\n",
        GOOD.format(i=4).replace("\n", ";NO-SUCH-SHOP\n"),
    ]
    content = (header + "".join(rows)).encode()

    preview = client.post(
        "/api/v1/imports/preview", files=_files(content), headers=org.headers
    ).json()
    done = _imported(client, org, content, "valid_only")

    assert [(p["row"], p["field"]) for p in preview["problems"]] == [
        (3, "recipient_name"),
        (4, "phone"),
        (5, "merchant"),
    ]
    assert done["problems"] == preview["problems"]
    assert (done["created"], done["skipped"]) == (preview["valid_rows"], preview["bad_rows"])
