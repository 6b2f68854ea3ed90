"""An invoice's PDF and CSV: the PDF's text, read back with pypdf, names the organisation,
the merchant, the number, the period, the groups and the totals in the organisation's locale;
the CSV has one row per line with the header fields."""

import csv
import io
import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from tests.billing.invoice_factories import add_charge, merchant_with_charges
from tests.common import OrgHandle

from lastmile.billing import pdf_fonts
from lastmile.billing.models import Merchant
from lastmile.db import Database

BASE = "/api/v1/billing/invoices"


def _issued(client: TestClient, db: Database, org: OrgHandle) -> dict[str, Any]:
    merchant_id = merchant_with_charges(db, org.org_id, name="Hämeen Herkku Oy")
    with db.session() as session:
        merchant = session.get_one(Merchant, merchant_id)
        add_charge(
            session,
            merchant,
            day=date(2026, 11, 4),
            kind="cod_fee",
            description="Cash on delivery fee",
            unit_price="1.20",
            tax_rate="0",
        )
        session.commit()
    draft = client.post(
        BASE, json={"merchant_id": str(merchant_id), "period": "2026-11"}, headers=org.headers
    ).json()
    issued: dict[str, Any] = client.post(f"{BASE}/{draft['id']}/issue", headers=org.headers).json()
    return issued


def _pdf_text(client: TestClient, org: OrgHandle, invoice_id: uuid.UUID | str) -> str:
    response = client.get(f"{BASE}/{invoice_id}.pdf", headers=org.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_names_org_merchant_period_groups_and_totals(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    issued = _issued(client, db, org)
    text = _pdf_text(client, org, issued["id"])
    for expected in (
        "Org A",
        "Hämeen Herkku Oy",
        f"Invoice {issued['number']}",
        "Period: Nov 1, 2026 \u2013 Nov 30, 2026",
        "Deliveries",
        "Failed attempts",
        "Cash on delivery fees",
        "Tax 25.5 % on €7.40: €1.89",
        "Total: €10.49",
    ):
        assert expected in text, (expected, text)
    assert issued["total"] == "10.49"


def test_the_pdf_writes_money_in_the_organisations_locale(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    response = client.put(
        "/api/v1/notify/settings",
        json={"locale": "fi", "timezone": "Europe/Helsinki"},
        headers=org.headers,
    )
    assert response.status_code == 200, response.text
    issued = _issued(client, db, org)
    text = _pdf_text(client, org, issued["id"])
    assert "Total: 10,49\u00a0€" in text or "Total: 10,49 €" in text, text


def test_without_dejavu_the_pdf_falls_back_to_helvetica(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_fonts, "_dejavu_dir", lambda: None)
    issued = _issued(client, db, org)
    text = _pdf_text(client, org, issued["id"])
    assert "Hämeen Herkku Oy" in text
    assert "Total: EUR10.49" in text, text


def test_the_csv_has_a_row_per_line_with_the_header_fields(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    issued = _issued(client, db, org)
    response = client.get(f"{BASE}/{issued['id']}.csv", headers=org.headers)
    assert response.status_code == 200
    assert f'filename="invoice-{issued["number"]}.csv"' in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["group"] for row in table] == ["delivery", "failed_attempt", "cod_fee"]
    assert {row["number"] for row in table} == {issued["number"]}
    assert {row["invoice_total"] for row in table} == {"10.49"}
    assert [row["amount"] for row in table] == ["4.90", "2.50", "1.20"]
    note = client.post(
        f"{BASE}/{issued['id']}/credit-notes", json={"reason": "=cmd"}, headers=org.headers
    ).json()
    credit = list(
        csv.DictReader(
            io.StringIO(client.get(f"{BASE}/{note['id']}.csv", headers=org.headers).text)
        )
    )
    assert credit[0]["credited_invoice"] == issued["number"]
    assert credit[0]["amount"] == "-4.90"
