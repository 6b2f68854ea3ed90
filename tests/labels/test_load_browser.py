"""The Control Tower's Load tab in real headless Chromium: Dana picks the route, scans two
parcels as a keyboard-wedge scanner would (the code, then Enter), sees each loaded in words and
the missing list shrink, a bad code refused in red, and opens the route's labels PDF."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer
from tests.driver_app import make_driver_day, sign_in
from tests.web.control_tower.board import dispatcher_org, open_board


def test_dana_scans_parcels_onto_the_van_and_prints_the_labels(
    browser: Browser, live_server: LiveServer
) -> None:
    org = dispatcher_org(live_server)
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = make_driver_day(api, live_server.db, org, plate="VAN-7")
        route_date = api.get(f"/api/v1/routes/{day.route_id}").json()["date"]
    first, second, third = day.tracking_numbers
    board = open_board(browser, live_server)
    page = board.page

    page.get_by_role("tab", name="Load").click()
    page.locator("#load-date").fill(route_date)
    page.locator("#load-date").dispatch_event("change")
    expect(page.locator("#load-route")).to_contain_text("Driver VAN-7 (VAN-7): 0/3 loaded")
    expect(page.locator("#load-missing-count")).to_have_text("3")

    code = page.get_by_label("Scan a parcel")
    code.fill(first)
    code.press("Enter")
    newest = page.locator("#load-results li").first
    expect(newest).to_have_text(f"{first} loaded: stop 1, Driver VAN-7 (VAN-7) · Aino Virtanen")
    expect(newest).to_have_attribute("data-outcome", "ok")
    expect(page.locator("#load-missing-count")).to_have_text("2")

    code.fill(second)
    code.press("Enter")
    expect(newest).to_contain_text(f"{second} loaded: stop 2")
    expect(page.locator("#load-missing-count")).to_have_text("1")
    expect(page.locator("#load-missing li")).to_have_count(1)
    expect(page.locator("#load-missing li")).to_have_attribute("data-tracking-number", third)
    expect(page.locator("#load-loaded li")).to_have_count(2)
    expect(page.locator("#load-route")).to_contain_text("2/3 loaded")

    code.fill(first)
    code.press("Enter")
    expect(newest).to_contain_text(f"{first} was already loaded at")
    expect(newest).to_have_attribute("data-outcome", "again")
    code.fill("NOPE")
    code.press("Enter")
    expect(newest).to_have_attribute("data-outcome", "problem")
    expect(newest).to_contain_text("NOPE: ")
    expect(page.locator("#load-missing-count")).to_have_text("1")

    labels = page.get_by_role("link", name="Print labels (PDF)")
    href = labels.get_attribute("href")
    assert href == f"/api/v1/routes/{day.route_id}/labels?format=pdf&size=a6"
    with page.context.expect_page() as opened:
        labels.click()
    pdf = page.request.get(live_server.url + href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    opened.value.close()
    manifest = page.request.get(
        live_server.url + page.locator("#load-manifest").get_attribute("href")
    )
    assert manifest.headers["content-type"] == "application/pdf"
    assert board.errors == []


def test_a_van_gone_without_load_scans_reads_so_not_0_loaded(
    browser: Browser, live_server: LiveServer
) -> None:
    org = dispatcher_org(live_server)
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = sign_in(api, make_driver_day(api, live_server.db, org, plate="VAN-8", cod_on=None))
        route_date = api.get(f"/api/v1/routes/{day.route_id}").json()["date"]
        driver = {"headers": day.headers}
        assert api.post("/api/v1/driver/route/start", json=day.action(), **driver).is_success
        url = f"/api/v1/driver/stops/{day.stop_ids[0]}/deliver"
        assert api.post(url, json=day.action(), **driver).is_success
    board = open_board(browser, live_server)
    page = board.page

    page.get_by_role("tab", name="Load").click()
    page.locator("#load-date").fill(route_date)
    page.locator("#load-date").dispatch_event("change")

    route = page.locator("#load-route")
    expect(route).to_contain_text(
        "Driver VAN-8 (VAN-8): left without load scan · 1/3 delivered or attempted"
    )
    expect(route).not_to_contain_text("loaded")
    expect(page.locator("#load-left-unscanned")).to_be_visible()
    expect(page.locator("#load-loaded li")).to_have_count(1)
    expect(page.locator("#load-all-loaded")).to_be_hidden()
    assert board.errors == []
