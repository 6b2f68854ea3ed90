"""Labels and manifests over the API: the PDF's text read back, its Code 128 and QR codes
decoded back by zxing-cpp from the rendered page, the ZPL's barcode fields, the manifest's
stops in route order."""

import io
import re

from fastapi.testclient import TestClient
from pypdf import PdfReader
from tests.common import OrgHandle, create_shipment
from tests.labels.labelled import decoded, pdf_pages_text, planned_route

from lastmile.db import Database

A6_PT = (round(105 / 25.4 * 72), round(148 / 25.4 * 72))
FOUR_BY_SIX_PT = (288, 432)


def _page_size(data: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_a_planned_shipments_label_reads_back_and_its_codes_decode(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    second = planned.shipment(client, 1)
    number = second["tracking_number"]

    answer = client.get(f"/api/v1/shipments/{number}/label", headers=org.headers)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert _page_size(answer.content) == A6_PT
    pages = pdf_pages_text(answer.content)
    assert len(pages) == 2  # two parcels, one label each
    assert "Parcel 1/2" in pages[0]
    assert "Parcel 2/2" in pages[1]
    first = pages[0]
    assert "Aino Virtanen" in first
    assert "Street 1" in first
    assert "Stop 2 of 3" in first
    assert "Route: Driver VAN-1 (VAN-1)" in first
    assert "Cash on delivery: €49.90" in first
    assert number in first
    codes = decoded(answer.content)
    assert codes["Code128"] == number
    assert codes["QRCode"] == second["tracking_url"]
    assert decoded(answer.content, page=1)["Code128"] == number


def test_a_4x6_label_and_an_unplanned_shipment(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org, parcel_count=1)

    answer = client.get(
        f"/api/v1/shipments/{shipment['tracking_number']}/label?size=4x6&format=pdf",
        headers=org.headers,
    )

    assert answer.status_code == 200, answer.text
    assert _page_size(answer.content) == FOUR_BY_SIX_PT
    [page] = pdf_pages_text(answer.content)
    assert "Not planned on a route yet" in page
    assert "Parcel 1/1" in page
    assert decoded(answer.content)["Code128"] == shipment["tracking_number"]


def test_zpl_labels_carry_code_128_and_qr_fields(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    first = planned.shipment(client, 0)
    number = first["tracking_number"]

    answer = client.get(f"/api/v1/shipments/{number}/label?format=zpl", headers=org.headers)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert text.count("^XA") == 2
    assert text.count("^XZ") == 2
    assert re.search(rf"\^BCN,\d+,Y,N,N\^FD{number}\^FS", text)
    assert f"^BQN,2,5^FDMA,{first['tracking_url']}^FS" in text
    assert "^FDStop 1 of 3^FS" in text
    assert "^PW840" in text  # A6 at 203 dpi
    four_by_six = client.get(
        f"/api/v1/shipments/{number}/label?format=zpl&size=4x6", headers=org.headers
    )
    assert "^PW813" in four_by_six.text
    assert "^LL1219" in four_by_six.text


def test_a_routes_labels_come_in_stop_order(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)

    answer = client.get(f"/api/v1/routes/{planned.day.route_id}/labels", headers=org.headers)

    assert answer.status_code == 200, answer.text
    pages = pdf_pages_text(answer.content)
    assert len(pages) == 6
    expected = [(n, tn) for n, tn in enumerate(planned.day.tracking_numbers, 1) for _ in (1, 2)]
    for page, (stop, number) in zip(pages, expected, strict=True):
        assert f"Stop {stop} of 3" in page
        assert number in page
    assert decoded(answer.content, page=4)["Code128"] == planned.day.tracking_numbers[2]


def test_the_manifest_lists_the_stops_in_order(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)

    answer = client.get(f"/api/v1/routes/{planned.day.route_id}/manifest.pdf", headers=org.headers)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    text = "\n".join(pdf_pages_text(answer.content))
    assert "Route manifest" in text
    assert "Driver: Driver VAN-1" in text
    assert "Vehicle: VAN-1" in text
    assert "Stops: 3    Parcels: 6    Cash to collect: €49.90" in text
    places = [text.index(number) for number in planned.day.tracking_numbers]
    assert places == sorted(places)
    for index in range(3):
        assert f"Street {index}" in text
    assert "signature" in text


def test_another_organisations_labels_manifest_and_load_are_not_found(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    number = planned.day.tracking_numbers[0]
    route = planned.day.route_id

    for path in (
        f"/api/v1/shipments/{number}/label",
        f"/api/v1/routes/{route}/labels",
        f"/api/v1/routes/{route}/manifest.pdf",
        f"/api/v1/routes/{route}/load",
        f"/api/v1/hubs/{planned.hub_id}/loading",
    ):
        answer = client.get(path, headers=other_org.headers)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"


def test_an_unknown_size_is_refused_naming_the_field(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)

    answer = client.get(
        f"/api/v1/shipments/{shipment['tracking_number']}/label?size=a4", headers=org.headers
    )

    assert answer.status_code == 422
    assert "size" in answer.text
