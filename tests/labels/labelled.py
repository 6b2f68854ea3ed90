"""A planned route to label and load: an organisation with a hub, a driver, a van and a route
of three stops today (two parcels each, cash on delivery at the second)."""

import io
from dataclasses import dataclass
from typing import Any

import pypdfium2
import zxingcpp
from fastapi.testclient import TestClient
from pypdf import PdfReader
from tests.common import OrgHandle
from tests.driver_app import DriverDay, make_driver_day

from lastmile.db import Database


@dataclass(frozen=True)
class Planned:
    org: OrgHandle
    day: DriverDay
    hub_id: str

    def shipment(self, client: TestClient, index: int) -> dict[str, Any]:
        found = client.get(
            f"/api/v1/shipments/{self.day.tracking_numbers[index]}", headers=self.org.headers
        )
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body


def planned_route(
    client: TestClient,
    db: Database,
    org: OrgHandle,
    *,
    plate: str = "VAN-1",
    phone: str = "+358401112223",
) -> Planned:
    day = make_driver_day(client, db, org, plate=plate, phone=phone)
    shipment = client.get(f"/api/v1/shipments/{day.tracking_numbers[0]}", headers=org.headers)
    return Planned(org, day, shipment.json()["hub_id"])


def pdf_pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def decoded(data: bytes, page: int = 0) -> dict[str, str]:
    """The barcodes a well-kept decoder (zxing-cpp) reads off the page rendered at 300 dpi, by
    format name."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=300 / 72).to_pil()
    finally:
        document.close()
    return {found.format.name: found.text for found in zxingcpp.read_barcodes(image)}
