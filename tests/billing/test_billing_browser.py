"""The Control Tower's Billing tab in real headless Chromium: an admin edits the rate card,
tries a quote with the unsaved rules, saves it, and sees the month's balance fill up."""

from datetime import UTC, datetime

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import hub_body, shipment_body
from testkit.browser import LiveServer, sign_in, wait_until
from tests.common import make_org

from lastmile.auth import service as auth
from lastmile.auth.models import Role

ADMIN_PASSWORD = "a long admin passphrase"


def test_an_admin_edits_a_rate_card_tries_a_quote_saves_and_sees_the_balance(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Harbour Parcels")
    with live_server.db.session() as session:
        auth.create_user(
            session=session,
            org_id=org.org_id,
            email="ada@example.com",
            name="Ada Admin",
            role=Role.ADMIN,
            password=ADMIN_PASSWORD,
        )
        session.commit()
    api = httpx.Client(base_url=live_server.url, headers=org.headers)
    hub = api.post("/api/v1/hubs", json=hub_body()).json()
    shipment = api.post("/api/v1/shipments", json=shipment_body(hub_id=hub["id"])).json()
    number = shipment["tracking_number"]
    moved = api.post(f"/api/v1/shipments/{number}/events", json={"status": "out_for_delivery"})
    assert moved.status_code == 201, moved.text

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email="ada@example.com", password=ADMIN_PASSWORD)
    page.get_by_role("tab", name="Billing").click()
    wait_until(page, "() => document.getElementById('tab-billing').dataset.loaded === '1'")
    expect(page.locator("#card-current")).to_contain_text("No rate card yet")
    expect(page.locator("#balances tbody")).to_contain_text("no rate card")

    billing = page.locator("#tab-billing")  # the order form has a "COD amount" too
    first_of_month = datetime.now(UTC).strftime("%Y-%m-01")
    billing.get_by_label("Valid from").fill(first_of_month)
    billing.get_by_label("Base per delivery").fill("5.90")
    billing.get_by_label("Failed attempt").fill("3.00")
    billing.get_by_label("VAT %").fill("25.5")
    billing.get_by_label("Other rules").fill("{}")
    billing.get_by_label("COD amount").fill("40")
    billing.get_by_label("COD fee %").fill("2")
    billing.get_by_label("COD fee minimum").fill("1.00")
    page.get_by_role("button", name="Try a quote").click()
    expect(page.locator("#quote-lines")).to_be_visible()
    expect(page.locator("#quote-lines tbody tr")).to_have_count(2)
    # 5.90 + 1.00 (2 % of 40 is 0.80, below the minimum); VAT 1.50 + 0.26
    expect(page.locator("#quote-total")).to_have_text("€8.66")
    assert api.get("/api/v1/billing/merchants/default/rate-cards").json() == []

    billing.get_by_label("Base per delivery").fill("-1")
    page.get_by_role("button", name="Try a quote").click()
    expect(page.locator("#card-errors")).to_contain_text("rules.base")
    billing.get_by_label("Base per delivery").fill("5.90")

    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#card-status")).to_contain_text("Saved version 1")
    expect(page.locator("#card-current")).to_contain_text("Version 1")

    delivered = api.post(f"/api/v1/shipments/{number}/events", json={"status": "delivered"})
    assert delivered.status_code == 201, delivered.text
    page.get_by_role("tab", name="Alerts").click()
    page.get_by_role("tab", name="Billing").click()
    row = page.locator('#balances tr[data-merchant="default"]')
    expect(row.locator("td").nth(1)).to_have_text("1")
    expect(row.locator("td").nth(4)).to_have_text("€7.40")  # 5.90 + 25.5 % VAT (1.50)
    assert errors == []
    page.context.close()
    api.close()
