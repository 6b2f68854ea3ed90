"""Issue #22's "done when", on a simulated day worked in the driver app against a real
`lastmile serve` (SQLite, no map): the merchant's invoice for the day is drafted, issued and
downloaded as PDF and CSV, a driver's pay statement shows their delivered stops, and the cash
on delivery report shows what each driver collected and handed over."""

import asyncio
import csv
import io
import math
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader
from testkit.servers import Server

from lastmile.billing.demo_rates import DEMO_RULES
from lastmile.demo_pay import give_pay_plans
from lastmile.sim.actions import DriverAppActions
from lastmile.sim.cash import CashHabits
from lastmile.sim.day_run import drive, prepare
from lastmile.sim.gps import PhoneProfile
from lastmile.sim.world import Scenario

INVOICES = "/api/v1/billing/invoices"


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json() if "json" in response.headers.get("content-type", "") else None


def test_a_simulated_day_is_invoiced_paid_to_its_drivers_and_its_cash_reconciled(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    running, key = server
    headers = {"Authorization": f"Bearer {key}"}
    api = httpx.Client(base_url=running.url, headers=headers, timeout=60)
    card = {"valid_from": "2020-01-01", "rules": DEMO_RULES.model_dump(mode="json")}
    _ok(api.post("/api/v1/billing/merchants/default/rate-cards", json=card))
    scenario = Scenario(drivers=2, stops_per_driver=5, seed=4, shift_s=3 * 3600.0, cod_share=0.5)
    day, fleet = prepare(
        url=running.url,
        api_key=key,
        scenario=scenario,
        speed=math.inf,
        data_dir=tmp_path,
        map_name=None,
        profile=PhoneProfile(upload_every_s=600.0),
    )
    give_pay_plans(url=running.url, api_key=key, driver_ids=day.crew, valid_from=date(2020, 1, 1))
    habits = CashHabits(seed=4, short_day_share=1.0)
    actions = DriverAppActions(api_key=key, crew=day.crew, timezone=day.timezone, cash=habits)

    stats = asyncio.run(
        drive(fleet, url=running.url, api_key=key, speed=math.inf, actions=actions, quiet=True)
    )

    assert (stats.refused, stats.failed, stats.errors) == (0, 0, [])
    today = day.date.isoformat()
    query = {"status": "delivered", "date": today, "limit": 500}
    listed = _ok(api.get("/api/v1/shipments", params=query))["items"]
    delivered = {s["tracking_number"] for s in listed}
    assert delivered

    # The merchant's invoice for the day: drafted, issued, downloaded.
    draft = _ok(api.post(INVOICES, json={"period_start": today, "period_end": today}))
    assert draft["status"] == "draft"
    assert {line["tracking_number"] for line in draft["lines"] if line["group"] == "delivery"} == (
        delivered
    )
    issued = _ok(api.post(f"{INVOICES}/{draft['id']}/issue"))
    assert issued["status"] == "issued"
    assert (issued["total"], issued["line_count"]) == (draft["total"], len(draft["lines"]))
    pdf = api.get(f"{INVOICES}/{issued['id']}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("E2E", issued["merchant"]["name"], f"Invoice {issued['number']}"):
        assert expected in text, (expected, text)
    assert "Deliveries" in text
    assert "Cash on delivery fees" in text
    assert "Total: €" in text
    rows = list(csv.DictReader(io.StringIO(api.get(f"{INVOICES}/{issued['id']}.csv").text)))
    assert len(rows) == issued["line_count"]
    assert {row["number"] for row in rows} == {issued["number"]}
    assert {row["tracking_number"] for row in rows if row["group"] == "delivery"} == delivered
    lines_total = sum(Decimal(r["amount"]) + Decimal(r["tax_amount"]) for r in rows)
    assert lines_total == Decimal(issued["total"])

    # Each driver's pay statement: a paid stop per stop their route delivered.
    for route in day.routes:
        served = _ok(api.get(f"/api/v1/routes/{route.route_id}"))
        completed = [s for s in served["stops"] if s["status"] == "completed"]
        mine = {"period": today, "driver": route.driver_id}
        statement = _ok(api.get("/api/v1/billing/pay-statements", params=mine))
        paid = [line for line in statement["lines"] if line["kind"] == "stop"]
        assert len(paid) == len(completed) > 0
        assert Decimal(statement["total"]) > 0

    # The cash report: per driver, what the simulated drivers collected and handed over.
    report = _ok(api.get("/api/v1/billing/cod/reconciliation", params={"date": today}))
    rows_by_driver = {row["driver_id"]: row for row in report["drivers"]}
    assert set(rows_by_driver) == set(actions.cash) == {r.driver_id for r in day.routes}
    for driver_id, count in actions.cash.items():
        row = rows_by_driver[driver_id]
        assert (Decimal(row["collected"]), Decimal(row["handed_over"])) == (
            count.collected,
            count.handed_over,
        )
    short = habits.short_driver(day.date, day.crew)
    assert Decimal(rows_by_driver[short]["short"]) == Decimal("20.00")
    (merchant,) = report["merchants"]
    assert Decimal(merchant["collected"]) == sum(c.collected for c in actions.cash.values())
    api.close()
