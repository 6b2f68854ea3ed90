"""Merchants, rate cards, quotes, a shipment's charges and the month's balances over HTTP."""

import json
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from testkit.bodies import shipment_body
from tests.billing.charges_helpers import RULES, add_card, dispatcher_key, out_for_delivery
from tests.common import OrgHandle, create_shipment, post_event

from lastmile.db import Database
from lastmile.notify.models import OutboxMessage
from lastmile.notify.render import webhook_body


def _fields(response: object) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}  # type: ignore[attr-defined]


def test_merchants_are_created_listed_changed_and_audited(
    client: TestClient, org: OrgHandle
) -> None:
    body = {"code": "nordic", "name": "Nordic Parcels", "currency": "eur"}
    created = client.post("/api/v1/billing/merchants", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    assert created.json()["currency"] == "EUR"
    again = client.post("/api/v1/billing/merchants", json=body, headers=org.headers)
    assert again.status_code == 409
    patched = client.patch(
        "/api/v1/billing/merchants/nordic", json={"name": "Nordic Oy"}, headers=org.headers
    )
    assert patched.json()["name"] == "Nordic Oy"
    blank = client.patch(
        "/api/v1/billing/merchants/nordic", json={"name": None}, headers=org.headers
    )
    assert blank.status_code == 422
    listed = client.get("/api/v1/billing/merchants", headers=org.headers).json()
    assert [m["code"] for m in listed] == ["nordic"]
    audit = client.get("/api/v1/audit", headers=org.headers).json()["items"]
    assert {"merchant.create", "merchant.update"} <= {e["action"] for e in audit}


def test_bad_merchant_input_names_the_field(client: TestClient, org: OrgHandle) -> None:
    body = {"code": "Bad Code", "name": "", "currency": "XYZ"}
    response = client.post("/api/v1/billing/merchants", json=body, headers=org.headers)
    assert response.status_code == 422
    assert _fields(response) == {"code", "name", "currency"}


def test_dispatchers_read_but_may_not_edit(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    staff = dispatcher_key(db, org)
    body = {"code": "nordic", "name": "Nordic Parcels"}
    assert client.post("/api/v1/billing/merchants", json=body, headers=staff).status_code == 403
    card = {"valid_from": "2026-01-01", "rules": RULES}
    posted = client.post("/api/v1/billing/merchants/default/rate-cards", json=card, headers=staff)
    assert posted.status_code == 403
    assert client.get("/api/v1/billing/merchants", headers=staff).status_code == 200
    assert client.get("/api/v1/billing/balances", headers=staff).status_code == 200


def test_a_shipment_names_its_merchant_by_code(client: TestClient, org: OrgHandle) -> None:
    client.post(
        "/api/v1/billing/merchants", json={"code": "nordic", "name": "N"}, headers=org.headers
    )
    shipment = create_shipment(client, org, merchant="nordic")
    assert shipment["merchant"] == "nordic"
    fetched = client.get(f"/api/v1/shipments/{shipment['tracking_number']}", headers=org.headers)
    assert fetched.json()["merchant"] == "nordic"
    assert create_shipment(client, org)["merchant"] is None
    client.post(
        "/api/v1/billing/merchants", json={"code": "other", "name": "O"}, headers=org.headers
    )
    create_shipment(client, org, merchant="nordic", reference="R-1")
    reused = client.post(
        "/api/v1/shipments",
        json=shipment_body(merchant="other", reference="R-1"),
        headers=org.headers,
    )
    assert reused.status_code == 409
    assert "merchant" in reused.json()["detail"]

    unknown = client.post(
        "/api/v1/shipments", json=shipment_body(merchant="nobody"), headers=org.headers
    )
    assert unknown.status_code == 422
    assert _fields(unknown) == {"merchant"}
    bulk = client.post(
        "/api/v1/shipments/bulk",
        json={"shipments": [shipment_body(merchant="nordic"), shipment_body(merchant="nobody")]},
        headers=org.headers,
    ).json()
    assert bulk["created"] == 1
    assert [(e["index"], e["field"]) for e in bulk["errors"]] == [(1, "merchant")]


def test_a_new_version_closes_the_previous_one(client: TestClient, org: OrgHandle) -> None:
    add_card(client, org)
    later = add_card(client, org, valid_from="2026-06-01", rules={**RULES, "base": "6.50"})
    assert later["version"] == 2
    cards = client.get("/api/v1/billing/merchants/default/rate-cards", headers=org.headers).json()
    assert [(c["version"], c["valid_to"]) for c in cards] == [(2, None), (1, "2026-06-01")]
    assert cards[0]["rules"]["base"] == "6.50"

    earlier = client.post(
        "/api/v1/billing/merchants/default/rate-cards",
        json={"valid_from": "2026-06-01", "rules": RULES},
        headers=org.headers,
    )
    assert earlier.status_code == 422
    assert _fields(earlier) == {"valid_from"}


def test_bad_rules_name_the_field(client: TestClient, org: OrgHandle) -> None:
    rules = {**RULES, "base": "-1", "tax": {"by_kind": {"postage": "10"}}, "fuel": [{}]}
    response = client.post(
        "/api/v1/billing/merchants/default/rate-cards",
        json={"valid_from": "2026-01-01", "rules": rules},
        headers=org.headers,
    )
    assert response.status_code == 422
    fields = _fields(response)
    assert "rules.base" in fields
    assert "rules.tax" in fields
    assert "rules.fuel[0].from_month" in fields


def test_a_quote_writes_nothing_and_its_lines_sum_to_the_total(
    client: TestClient, org: OrgHandle
) -> None:
    body = {
        "rules": RULES,
        "shipment": {"weight_kg": 12, "cod_amount": "100", "delivery_date": "2026-12-08"},
    }
    quoted = client.post("/api/v1/billing/quote", json=body, headers=org.headers)
    assert quoted.status_code == 200, quoted.text
    data = quoted.json()
    kinds = [line["kind"] for line in data["lines"]]
    assert kinds == ["base", "weight", "cod_fee", "fuel"]
    # fuel is 4 % of base + weight (not of the COD fee): 8.40 * 0.04 = 0.336 → 0.34
    assert data["lines"][-1]["amount"] == "0.34"
    subtotal = sum(Decimal(line["amount"]) for line in data["lines"])
    tax = sum(Decimal(line["tax_amount"]) for line in data["lines"])
    assert (data["subtotal"], data["tax"], data["total"]) == (
        f"{subtotal}",
        f"{tax}",
        f"{subtotal + tax}",
    )
    assert client.get("/api/v1/billing/merchants", headers=org.headers).json() == []

    no_card = client.post("/api/v1/billing/quote", json={}, headers=org.headers)
    assert no_card.status_code == 422
    assert _fields(no_card) == {"rules"}


def test_delivery_charges_once_and_shows_on_the_balance(client: TestClient, org: OrgHandle) -> None:
    add_card(client, org)
    number = out_for_delivery(client, org)
    post_event(client, org, number, status="delivered")
    post_event(client, org, number, status="delivered")
    charges = client.get(f"/api/v1/shipments/{number}/charges", headers=org.headers).json()
    assert [line["kind"] for line in charges["lines"]] == ["base", "distance", "fuel"]
    assert charges["merchant"] == "default"
    assert charges["currency"] == "EUR"

    balances = client.get("/api/v1/billing/balances", headers=org.headers).json()
    (default,) = balances["merchants"]
    assert default["deliveries"] == 1
    assert default["has_rate_card"] is True
    assert default["total"] == charges["total"]
    empty = client.get("/api/v1/billing/balances?period=2025-01", headers=org.headers).json()
    assert empty["merchants"][0]["total"] == "0.00"
    bad = client.get("/api/v1/billing/balances?period=2026-13", headers=org.headers)
    assert bad.status_code == 422


def test_a_failed_attempt_then_a_delivery_next_round_charges_both(
    client: TestClient, org: OrgHandle
) -> None:
    add_card(client, org)
    number = out_for_delivery(client, org)
    assert post_event(client, org, number, status="attempted", reason="no one home")[0] == 201
    assert post_event(client, org, number, status="out_for_delivery")[0] == 201
    assert post_event(client, org, number, status="delivered")[0] == 201
    charges = client.get(f"/api/v1/shipments/{number}/charges", headers=org.headers).json()
    kinds = [line["kind"] for line in charges["lines"] if not line["reverses"]]
    assert sorted(kinds) == ["base", "distance", "failed_attempt", "fuel", "fuel"]
    assert not any(line["reverses"] for line in charges["lines"])


def test_cancelled_after_dispatch_is_charged_but_not_before(
    client: TestClient, org: OrgHandle
) -> None:
    add_card(client, org)
    dispatched = out_for_delivery(client, org)
    waiting = create_shipment(client, org)["tracking_number"]
    for number in (dispatched, waiting):
        cancelled = client.post(
            f"/api/v1/shipments/{number}/cancel", json={"reason": "merchant"}, headers=org.headers
        )
        assert cancelled.status_code == 200, cancelled.text
    charged = client.get(f"/api/v1/shipments/{dispatched}/charges", headers=org.headers).json()
    assert [line["kind"] for line in charged["lines"]] == ["cancellation", "fuel"]
    free = client.get(f"/api/v1/shipments/{waiting}/charges", headers=org.headers).json()
    assert free["lines"] == []


def test_no_rate_card_no_lines(client: TestClient, org: OrgHandle) -> None:
    number = out_for_delivery(client, org)
    post_event(client, org, number, status="delivered")
    charges = client.get(f"/api/v1/shipments/{number}/charges", headers=org.headers).json()
    assert charges["lines"] == []
    balances = client.get("/api/v1/billing/balances", headers=org.headers).json()
    assert balances["merchants"][0]["has_rate_card"] is False


def test_charge_created_webhook_is_queued_with_the_lines(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    client.post(
        "/api/v1/notify/webhooks",
        json={"url": "https://merchant.example/hook", "events": ["charge.created"]},
        headers=org.headers,
    )
    add_card(client, org)
    number = out_for_delivery(client, org)
    post_event(client, org, number, status="delivered")
    with db.session() as session:
        messages = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.org_id == org.org_id, OutboxMessage.event == "charge.created"
            )
        ).all()
        assert len(messages) == 1
        body = json.loads(webhook_body(messages[0], public_url="https://t.example"))
    assert body["type"] == "charge.created"
    assert body["data"]["tracking_number"] == number
    assert body["data"]["lines"][0]["kind"] == "base"


def test_a_quote_uses_the_card_valid_on_the_delivery_date(
    client: TestClient, org: OrgHandle
) -> None:
    add_card(client, org)
    add_card(client, org, valid_from="2026-06-01", rules={**RULES, "base": "6.50"})

    def base_on(day: str) -> tuple[int, str]:
        body = {"shipment": {"delivery_date": day}}
        data = client.post("/api/v1/billing/quote", json=body, headers=org.headers).json()
        return data["rate_card_version"], data["lines"][0]["amount"]

    assert base_on("2026-05-31") == (1, "5.90")
    assert base_on("2026-06-01") == (2, "6.50")
    unknown = client.post("/api/v1/billing/quote", json={"merchant": "nobody"}, headers=org.headers)
    assert unknown.status_code == 422
    assert _fields(unknown) == {"merchant"}
