"""The Control Tower's Pay & cash tab in real headless Chromium: a driver short of cash is
shown in red with the amount in words, an admin's correction is refused in words when too
large and balances the day when right, and a driver's statement lists their stops."""

from decimal import Decimal

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer, sign_in, wait_until
from tests.billing.pay_world import DAY, at, make_world
from tests.common import make_org

from lastmile.auth import service as auth
from lastmile.auth.models import Role

PASSWORD = "a long admin passphrase"


def test_the_pay_and_cash_tab_flags_a_short_driver_and_takes_a_correction(
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
            password=PASSWORD,
        )
        world = make_world(session, org.org_id)
        mikko, aino = world.driver("Mikko Lahtinen"), world.driver("Aino Virtanen")
        _, stops = world.route(mikko, delivered=3, cod=Decimal("40.00"))
        for n, stop in enumerate(stops):
            world.collect(mikko, stop, Decimal("40.00"), at(DAY, 10 + n))
        world.hand_over(mikko, Decimal("100.00"), at(DAY, 17))
        _, (her_stop,) = world.route(aino, delivered=1, cod=Decimal("40.00"))
        world.collect(aino, her_stop, Decimal("40.00"), at(DAY, 11))
        world.hand_over(aino, Decimal("40.00"), at(DAY, 16))
        session.commit()
        mikko_id, aino_id = mikko.id, aino.id
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        made = api.post(
            "/api/v1/billing/pay-plans",
            json={
                "driver_id": str(mikko_id),
                "valid_from": "2026-12-01",
                "currency": "EUR",
                "rules": {"per_stop": "1.80"},
            },
        )
        assert made.status_code == 201, made.text

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email="ada@example.com", password=PASSWORD)
    page.get_by_role("tab", name="Pay & cash").click()

    page.locator("#cash-form input[name=date]").fill(DAY.isoformat())
    page.locator("#cash-form").get_by_role("button", name="Show").click()
    short = page.locator(f"#cash-drivers tr[data-driver='{mikko_id}']")
    expect(short).to_contain_text("Short by €20.00")
    expect(short).to_have_class("short")
    colour = short.locator("td").first.evaluate("(td) => getComputedStyle(td).color")
    assert colour == "rgb(180, 35, 24)", colour  # --bad
    balanced = page.locator(f"#cash-drivers tr[data-driver='{aino_id}']")
    expect(balanced).to_contain_text("Balanced")
    expect(balanced).not_to_have_class("short")
    expect(page.locator("#cash-merchants")).to_contain_text("Kauppa Oy")

    page.locator("#correction-form select[name=driver_id]").select_option(str(mikko_id))
    page.locator("#correction-form input[name=amount]").fill("25")
    page.locator("#correction-form input[name=note]").fill("found in the van")
    page.get_by_role("button", name="Record correction").click()
    expect(page.locator("#cash-error")).to_contain_text(
        "amount: is 25 EUR: Mikko Lahtinen was short 20.00 EUR on 2026-12-07"
    )
    page.locator("#correction-form input[name=amount]").fill("20,00")
    page.get_by_role("button", name="Record correction").click()
    expect(page.locator("#cash-status")).to_have_text("Correction recorded.")
    expect(short).to_contain_text("Balanced")
    expect(short).not_to_have_class("short")

    page.locator("#pay-form input[name=period]").fill("2026-12")
    page.locator("#pay-form").get_by_role("button", name="Show").click()
    row = page.locator(f"#pay-statements tr[data-driver='{mikko_id}']")
    expect(row).to_contain_text("€5.40")
    row.get_by_role("button", name="Mikko Lahtinen").click()
    wait_until(page, "() => document.querySelectorAll('#pay-lines-body tr').length === 3")
    expect(page.locator("#pay-lines-body")).to_contain_text("Delivered LM")
    assert errors == []
    context.close()
