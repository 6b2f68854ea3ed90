"""Loading the van from the driver app in real headless Chromium on a phone: before starting
the route the driver types two parcels' codes (as a scanner would), sees each loaded in words
and the list of parcels still to load shrink; a parcel of another route is refused in words;
once the route starts, the loading box goes away."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import PHONE, LiveServer
from tests.common import make_org
from tests.driver_app import make_driver_day
from tests.driver_browser import on_route


def test_the_driver_loads_the_van_before_leaving(browser: Browser, live_server: LiveServer) -> None:
    org = make_org(live_server.db, "Van loading org")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = make_driver_day(api, live_server.db, org, cod_on=None, plate="LOAD-1")
        other = make_driver_day(
            api, live_server.db, org, cod_on=None, plate="LOAD-2", phone="+358409998887"
        )
    first, second, third = day.tracking_numbers
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    on_route(page, live_server.url, day)

    box = page.locator("#load-van")
    expect(box).to_be_visible()
    expect(page.locator("#load-van-count")).to_have_text("Still to load: 3 of 3.")
    code = page.get_by_label("Scan or type a parcel's code")
    result = page.locator("#load-van-result")
    code.fill(first)
    code.press("Enter")
    expect(result).to_have_text(f"{first} loaded: stop 1, Driver LOAD-1 (LOAD-1)")
    expect(result).to_have_attribute("data-outcome", "ok")
    expect(page.locator("#load-van-count")).to_have_text("Still to load: 2 of 3.")
    code.fill(second)
    code.press("Enter")
    expect(page.locator("#load-van-count")).to_have_text("Still to load: 1 of 3.")
    expect(page.locator("#load-van-missing li")).to_have_count(1)
    expect(page.locator("#load-van-missing li")).to_have_attribute("data-tracking-number", third)

    code.fill(other.tracking_numbers[0])
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "problem")
    expect(result).to_contain_text("Driver LOAD-2 (LOAD-2)")
    expect(page.locator("#load-van-count")).to_have_text("Still to load: 1 of 3.")

    page.locator("#route-start").click()
    expect(box).to_be_hidden()
    context.close()
