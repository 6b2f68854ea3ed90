"""The shift form in real headless Chromium on a phone: it starts on the vehicle of the
driver's route today, not on "No vehicle", when the organisation has several."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import PHONE, LiveServer
from tests.common import make_org
from tests.driver_app import make_driver_day
from tests.driver_proof_browser import signed_in


def test_the_shift_form_defaults_to_the_vehicle_of_todays_route(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Shift form org")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        api.post("/api/v1/vehicles", json={"plate": "AAA-0"}).raise_for_status()
        day = make_driver_day(api, live_server.db, org, cod_on=None, plate="ZZZ-9")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    signed_in(page, live_server.url, day)
    expect(page.locator("#shift-vehicle option")).to_have_count(3)
    expect(page.locator("#shift-vehicle")).to_have_value(day.vehicle_id)
    context.close()
