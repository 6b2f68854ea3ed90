"""Driver and carrier pay: plans, their versions, statements priced line by line from the
delivery record, and the statement read back from its CSV and PDF."""

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select
from tests.billing.pay_world import DAY, World, at, dispatcher_headers, make_world
from tests.common import OrgHandle

from lastmile.audit.models import AuditEntry
from lastmile.billing import pdf_fonts
from lastmile.billing.money import round_money
from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus
from lastmile.settlement.pay import RouteWork, ShiftWork, StopWork, Work, price_work
from lastmile.settlement.pay_models import PayPlan

RULES = {
    "per_stop": "1.80",
    "per_failed_attempt": "0.90",
    "per_km": "0.25",
    "per_hour": "16.50",
    "on_time_bonus_per_stop": "0.20",
    "on_time_threshold_pct": "90",
}


def _world(db: Database, org: OrgHandle) -> tuple[World, uuid.UUID]:
    """Mikko's Monday: 10 stops on time, 1 late, 1 failed; 42 km; an 8.5 h shift."""
    with db.session() as session:
        world = make_world(session, org.org_id)
        mikko = world.driver()
        world.route(mikko, delivered=10, late=1, failed=1)
        world.shift(mikko, at(DAY, 7, 30), 8.5)
        session.commit()
        return world, mikko.id


def _plan(client: TestClient, org: OrgHandle, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/billing/pay-plans",
        json={"valid_from": "2026-12-01", "currency": "EUR", "rules": RULES, **body},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _statement(client: TestClient, org: OrgHandle, **query: str) -> dict[str, Any]:
    response = client.get("/api/v1/billing/pay-statements", params=query, headers=org.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_statement_pays_each_stop_the_route_and_the_shift_and_sums_to_its_total(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    _, mikko = _world(db, org)
    _plan(client, org, driver_id=str(mikko))

    statement = _statement(client, org, period="2026-12", driver=str(mikko))

    kinds = [line["kind"] for line in statement["lines"]]
    assert kinds.count("stop") == 11
    assert kinds.count("failed_attempt") == 1
    by_kind = {line["kind"]: line for line in statement["lines"]}
    assert by_kind["distance"]["quantity"] == "42.00"
    assert by_kind["distance"]["amount"] == "10.50"
    assert by_kind["shift"]["quantity"] == "8.50"
    assert by_kind["shift"]["amount"] == "140.25"
    # 10 of 11 delivered stops on time: 90.9 % ≥ 90 %, so 11 stops at 0.20.
    assert by_kind["on_time_bonus"]["amount"] == "2.20"
    assert "90.9 %" in by_kind["on_time_bonus"]["description"]
    assert statement["total"] == "173.65"  # 19.80 + 0.90 + 10.50 + 140.25 + 2.20
    assert sum(Decimal(line["amount"]) for line in statement["lines"]) == Decimal("173.65")
    stop_lines = [line for line in statement["lines"] if line["kind"] == "stop"]
    assert len({line["reference"] for line in stop_lines}) == 11  # each names its own stop
    assert all(line["description"].startswith("Delivered LM") for line in stop_lines)

    everyone = _statement(client, org, period="2026-12-07")
    assert everyone == [
        {
            "driver_id": str(mikko),
            "driver_name": "Mikko Lahtinen",
            "currency": "EUR",
            "lines": 15,
            "total": "173.65",
        }
    ]


def test_a_route_still_under_way_pays_its_stops_but_not_yet_its_distance(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    with db.session() as session:
        world = make_world(session, org.org_id)
        helmi = world.driver("Helmi Korhonen")
        route, _ = world.route(helmi, delivered=3)
        route.status = RouteStatus.IN_PROGRESS
        session.commit()
        helmi_id, route_id = helmi.id, route.id
    _plan(client, org, driver_id=str(helmi_id))

    statement = _statement(client, org, period="2026-12", driver=str(helmi_id))
    kinds = [line["kind"] for line in statement["lines"]]
    assert kinds.count("stop") == 3
    assert "distance" not in kinds
    assert any("still under way" in note for note in statement["notes"])

    with db.session() as session:
        ended = session.get(Route, route_id)
        assert ended is not None
        ended.status = RouteStatus.COMPLETED
        session.commit()
    statement = _statement(client, org, period="2026-12", driver=str(helmi_id))
    assert [line["quantity"] for line in statement["lines"] if line["kind"] == "distance"] == [
        "42.00"
    ]
    assert not any("still under way" in note for note in statement["notes"])


def test_below_the_on_time_threshold_there_is_no_bonus(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    _, mikko = _world(db, org)
    _plan(client, org, driver_id=str(mikko), rules={**RULES, "on_time_threshold_pct": "95"})
    statement = _statement(client, org, period="2026-12", driver=str(mikko))
    assert "on_time_bonus" not in {line["kind"] for line in statement["lines"]}
    assert statement["total"] == "171.45"


def test_each_day_is_paid_by_the_plan_version_valid_that_day(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    with db.session() as session:
        world = make_world(session, org.org_id)
        mikko = world.driver()
        world.route(mikko, DAY, delivered=2)
        world.route(mikko, DAY + timedelta(days=1), delivered=3)
        session.commit()
    only_stops = {"per_stop": "1.80"}
    first = _plan(client, org, driver_id=str(mikko.id), rules=only_stops)
    second = _plan(
        client, org, driver_id=str(mikko.id), valid_from="2026-12-08", rules={"per_stop": "2.00"}
    )
    assert (first["version"], second["version"]) == (1, 2)

    plans = client.get(
        "/api/v1/billing/pay-plans", params={"driver": str(mikko.id)}, headers=org.headers
    ).json()
    assert [(p["version"], p["valid_from"], p["valid_to"]) for p in plans] == [
        (1, "2026-12-01", "2026-12-08"),
        (2, "2026-12-08", None),
    ]
    statement = _statement(client, org, period="2026-12-01..2026-12-31", driver=str(mikko.id))
    assert [(line["day"], line["amount"], line["plan_version"]) for line in statement["lines"]] == [
        ("2026-12-07", "1.80", 1),
        ("2026-12-07", "1.80", 1),
        ("2026-12-08", "2.00", 2),
        ("2026-12-08", "2.00", 2),
        ("2026-12-08", "2.00", 2),
    ]
    assert statement["total"] == "9.60"

    rewrite = client.post(
        "/api/v1/billing/pay-plans",
        json={
            "driver_id": str(mikko.id),
            "valid_from": "2026-12-08",
            "currency": "EUR",
            "rules": only_stops,
        },
        headers=org.headers,
    )
    assert rewrite.status_code == 422
    assert rewrite.json()["errors"][0]["field"] == "valid_from"
    other_currency = client.post(
        "/api/v1/billing/pay-plans",
        json={
            "driver_id": str(mikko.id),
            "valid_from": "2026-12-20",
            "currency": "SEK",
            "rules": only_stops,
        },
        headers=org.headers,
    )
    assert other_currency.status_code == 422
    assert "pays in EUR" in other_currency.text


def test_a_carriers_plan_pays_for_its_drivers_work(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    with db.session() as session:
        world = make_world(session, org.org_id)
        aino, eero = world.driver("Aino Virtanen"), world.driver("Eero Korhonen")
        world.route(aino, delivered=3)
        world.route(eero, delivered=2)
        session.commit()
    carrier = client.post(
        "/api/v1/billing/carriers", json={"name": "Nopea Kuljetus Oy"}, headers=org.headers
    ).json()
    for driver in (aino, eero):
        response = client.put(
            f"/api/v1/billing/drivers/{driver.id}/employment",
            json={"employment": "carrier", "carrier_id": carrier["id"]},
            headers=org.headers,
        )
        assert response.status_code == 200, response.text
    plan = _plan(client, org, carrier_id=carrier["id"], rules={"per_stop": "2.50"})
    with db.session() as session:
        audited = session.execute(
            select(AuditEntry.action, AuditEntry.subject_id, AuditEntry.subject_label).where(
                AuditEntry.org_id == org.org_id,
                AuditEntry.action.in_(["carrier.create", "pay_plan.create"]),
            )
        ).all()
    assert sorted(audited) == [
        ("carrier.create", carrier["id"], "Nopea Kuljetus Oy"),
        ("pay_plan.create", plan["id"], "Nopea Kuljetus Oy v1"),
    ]

    statement = _statement(client, org, period="2026-12", carrier=carrier["id"])
    assert statement["payee_name"] == "Nopea Kuljetus Oy"
    assert statement["total"] == "12.50"
    assert {line["driver_id"] for line in statement["lines"]} == {str(aino.id), str(eero.id)}
    # Aino has no plan of her own: her statement shows her work at her carrier's prices.
    assert _statement(client, org, period="2026-12", driver=str(aino.id))["total"] == "7.50"

    no_carrier = client.put(
        f"/api/v1/billing/drivers/{aino.id}/employment",
        json={"employment": "carrier"},
        headers=org.headers,
    )
    assert no_carrier.status_code == 422
    assert no_carrier.json()["errors"][0]["field"] == "carrier_id"


def test_dispatchers_read_statements_but_only_admins_edit_plans(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    _, mikko = _world(db, org)
    dispatcher = dispatcher_headers(db, org)
    refused = client.post(
        "/api/v1/billing/pay-plans",
        json={
            "driver_id": str(mikko),
            "valid_from": "2026-12-01",
            "currency": "EUR",
            "rules": RULES,
        },
        headers=dispatcher,
    )
    assert refused.status_code == 403
    read = client.get(
        "/api/v1/billing/pay-statements",
        params={"period": "2026-12", "driver": str(mikko)},
        headers=dispatcher,
    )
    assert read.status_code == 200
    assert read.json()["notes"] == ["No pay plan yet: add one to price this work."]


def test_a_period_that_is_not_one_is_refused_by_name(client: TestClient, org: OrgHandle) -> None:
    response = client.get(
        "/api/v1/billing/pay-statements", params={"period": "December"}, headers=org.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "period"


def test_the_statement_downloads_as_csv_and_as_a_pdf_that_reads_back(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    _, mikko = _world(db, org)
    _plan(client, org, driver_id=str(mikko))
    query = {"period": "2026-12", "driver": str(mikko)}

    csv_response = client.get(
        "/api/v1/billing/pay-statements.csv", params=query, headers=org.headers
    )
    assert csv_response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    total = rows.pop()
    assert (total["kind"], total["amount"]) == ("total", "173.65")
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal("173.65")

    pdf_response = client.get(
        "/api/v1/billing/pay-statements.pdf", params=query, headers=org.headers
    )
    assert pdf_response.status_code == 200
    assert pdf_response.headers["content-type"] == "application/pdf"
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf_response.content)).pages
    )
    assert "Pay statement: Mikko Lahtinen" in text
    assert "period 2026-12-01..2026-12-31" in text
    assert "€173.65" in text
    assert text.count("Delivered LM") == 11


_PRICES = st.decimals(min_value=0, max_value=100, places=4)


@given(
    delivered=st.integers(0, 30),
    failed=st.integers(0, 10),
    km=st.floats(0, 400_000, allow_nan=False),
    hours=st.integers(0, 14 * 3600),
    prices=st.tuples(_PRICES, _PRICES, _PRICES, _PRICES, _PRICES),
)
def test_every_line_is_rounded_once_and_the_total_is_their_sum(
    delivered: int, failed: int, km: float, hours: int, prices: tuple[Decimal, ...]
) -> None:
    driver = uuid.uuid4()
    plan = PayPlan(
        id=uuid.uuid4(),
        version=1,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        currency="EUR",
        rules=dict(
            zip(
                ("per_stop", "per_failed_attempt", "per_km", "per_hour", "on_time_bonus_per_stop"),
                map(str, prices),
                strict=True,
            )
        ),
    )
    work = Work(
        stops=[
            StopWork(uuid.uuid4(), driver, DAY, f"LM{n}", n < delivered, True)
            for n in range(delivered + failed)
        ],
        routes=[RouteWork(uuid.uuid4(), driver, DAY, km)],
        shifts=[
            ShiftWork(uuid.uuid4(), driver, DAY, at(DAY, 8), at(DAY, 8) + timedelta(seconds=hours))
        ],
    )
    lines, notes = price_work(work, [plan], {driver: "Mikko"})
    assert notes == []
    for line in lines:
        assert line.amount == round_money(line.quantity * line.unit_price, "EUR")
    assert sum(line.quantity for line in lines if line.kind == "stop") == (
        delivered if prices[0] else 0
    )
    total = sum((line.amount for line in lines), Decimal(0))
    assert total == round_money(total, "EUR")  # a sum of rounded lines needs no rounding


def test_without_dejavu_the_pdf_falls_back_to_helvetica_and_names_the_currency(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, mikko = _world(db, org)
    _plan(client, org, driver_id=str(mikko))
    monkeypatch.setattr(pdf_fonts, "_dejavu_dir", lambda: None)
    response = client.get(
        "/api/v1/billing/pay-statements.pdf",
        params={"period": "2026-12", "driver": str(mikko)},
        headers=org.headers,
    )
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Pay statement: Mikko Lahtinen" in text
    assert "EUR173.65" in text.replace(" ", "")
