"""Signing out of the driver app during a shift, in real headless Chromium on a phone: the
phone's session ends, the shift does not (the demo's simulated phone drives the same driver)."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import PHONE, LiveServer
from tests.common import make_org
from tests.driver_app import make_driver_day
from tests.driver_browser import on_route


def test_a_driver_signs_out_mid_shift_and_the_shift_goes_on(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Sign-out org")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = make_driver_day(api, live_server.db, org)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    on_route(page, live_server.url, day)

    page.get_by_role("button", name="Sign out (the shift goes on)").click()

    expect(page.locator("#view-signin")).to_be_visible()
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        driver = api.get(f"/api/v1/drivers/{day.driver_id}").json()
        board = api.get("/api/v1/control-tower/board").json()
    assert driver["active"] is True
    assert {d["id"]: d["on_shift"] for d in board["drivers"]}[day.driver_id] is True
    context.close()
