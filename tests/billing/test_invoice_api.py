"""The invoices API: admins draft, issue, mark paid, void and credit (each audited); staff
read; an issued invoice answers 409 to any change; `invoice.issued` is queued on issue."""

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.billing.invoice_factories import merchant_with_charges
from tests.common import OrgHandle, make_org

from lastmile.audit.models import AuditEntry
from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.db import Database
from lastmile.notify.models import OutboxMessage
from lastmile.notify.render import webhook_body

BASE = "/api/v1/billing/invoices"


def _merchant_with_charges(db: Database, org: OrgHandle) -> uuid.UUID:
    return merchant_with_charges(db, org.org_id)


def _draft(client: TestClient, org: OrgHandle, merchant_id: uuid.UUID) -> dict[str, Any]:
    response = client.post(
        BASE, json={"merchant_id": str(merchant_id), "period": "2026-11"}, headers=org.headers
    )
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_draft_shows_the_periods_lines_and_totals_as_strings(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    merchant_id = _merchant_with_charges(db, org)
    response = client.post(
        BASE, json={"merchant_id": str(merchant_id), "period": "2026-11"}, headers=org.headers
    )
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["status"], draft["number"], draft["currency"]) == ("draft", None, "EUR")
    assert (draft["period_start"], draft["period_end"]) == ("2026-11-01", "2026-11-30")
    assert [line["group"] for line in draft["lines"]] == ["delivery", "failed_attempt"]
    assert (draft["subtotal"], draft["tax_total"], draft["total"]) == ("7.40", "1.89", "9.29")
    again = client.post(
        BASE, json={"merchant_id": str(merchant_id), "period": "2026-11"}, headers=org.headers
    )
    assert (again.status_code, again.json()["id"]) == (200, draft["id"])
    listed = client.get(BASE, params={"status": "draft"}, headers=org.headers).json()
    assert [row["id"] for row in listed] == [draft["id"]]


def test_issue_then_pay_and_every_change_after_is_409(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    draft = _draft(client, org, _merchant_with_charges(db, org))
    issued = client.post(f"{BASE}/{draft['id']}/issue", headers=org.headers)
    assert issued.status_code == 200, issued.text
    assert issued.json()["number"].endswith("-000001")
    again = client.post(f"{BASE}/{draft['id']}/issue", headers=org.headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "it is issued" in again.json()["detail"]
    assert client.post(f"{BASE}/{draft['id']}/pay", headers=org.headers).status_code == 200
    for action in ("pay", "void", "issue"):
        refused = client.post(f"{BASE}/{draft['id']}/{action}", headers=org.headers)
        assert refused.status_code == 409, action
        assert "it is paid" in refused.json()["detail"]
    shown = client.get(f"{BASE}/{draft['id']}", headers=org.headers).json()
    assert (shown["status"], shown["total"]) == ("paid", "9.29")
    with db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.org_id == org.org_id).order_by(AuditEntry.id)
        ).all()
    assert actions == ["invoice.draft", "invoice.issue", "invoice.pay"]


def test_a_credit_note_for_one_line_and_then_the_rest(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    draft = _draft(client, org, _merchant_with_charges(db, org))
    issued = client.post(f"{BASE}/{draft['id']}/issue", headers=org.headers).json()
    first = issued["lines"][0]
    note = client.post(
        f"{BASE}/{draft['id']}/credit-notes",
        json={"line_ids": [first["id"]], "reason": "Parcel lost"},
        headers=org.headers,
    )
    assert note.status_code == 201, note.text
    assert note.json()["number"].startswith("CN-")
    assert note.json()["total"] == "-6.15"
    assert note.json()["lines"][0]["amount"] == "-4.90"
    rest = client.post(
        f"{BASE}/{draft['id']}/credit-notes", json={"reason": "Goodwill"}, headers=org.headers
    ).json()
    assert rest["total"] == "-3.14"
    shown = client.get(f"{BASE}/{draft['id']}", headers=org.headers).json()
    assert shown["credit_notes"] == [note.json()["id"], rest["id"]]
    none_left = client.post(
        f"{BASE}/{draft['id']}/credit-notes", json={"reason": "More"}, headers=org.headers
    )
    assert none_left.status_code == 409


def test_bad_input_names_the_field(client: TestClient, db: Database, org: OrgHandle) -> None:
    merchant_id = _merchant_with_charges(db, org)
    month = client.post(
        BASE, json={"merchant_id": str(merchant_id), "period": "2026-13"}, headers=org.headers
    )
    assert month.status_code == 422
    assert month.json()["errors"][0]["field"] == "period"
    backwards = client.post(
        BASE,
        json={
            "merchant_id": str(merchant_id),
            "period_start": "2026-11-30",
            "period_end": "2026-11-01",
        },
        headers=org.headers,
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "period_end"
    other = make_org(db, "Org B")
    theirs = client.post(
        BASE, json={"merchant_id": str(merchant_id), "period": "2026-11"}, headers=other.headers
    )
    assert theirs.status_code == 422
    assert theirs.json()["errors"][0]["field"] == "merchant_id"
    unknown = client.get(f"{BASE}/{uuid.uuid4()}", headers=org.headers)
    assert unknown.status_code == 404


def test_dispatchers_read_but_do_not_issue(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    draft = _draft(client, org, _merchant_with_charges(db, org))
    with db.session() as session:
        _, key = auth.create_api_key(
            session=session, org_id=org.org_id, name="desk", role=Role.DISPATCHER
        )
        session.commit()
    desk = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{BASE}/{draft['id']}", headers=desk).status_code == 200
    assert client.post(f"{BASE}/{draft['id']}/issue", headers=desk).status_code == 403


def test_issuing_queues_invoice_issued_for_endpoints_that_name_it(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    for events in (["invoice.issued"], []):
        response = client.post(
            "/api/v1/notify/webhooks",
            json={"url": "https://shop.example.com/hooks", "events": events},
            headers=org.headers,
        )
        assert response.status_code == 201, response.text
    draft = _draft(client, org, _merchant_with_charges(db, org))
    with db.session() as session:
        assert not session.scalars(select(OutboxMessage)).all()
    number = client.post(f"{BASE}/{draft['id']}/issue", headers=org.headers).json()["number"]
    with db.session() as session:
        [queued] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.org_id == org.org_id)
        ).all()
        body = json.loads(webhook_body(queued, public_url="https://lastmile.example.com"))
    assert body["type"] == "invoice.issued"
    assert (body["data"]["number"], body["data"]["total"], body["data"]["currency"]) == (
        number,
        "9.29",
        "EUR",
    )
