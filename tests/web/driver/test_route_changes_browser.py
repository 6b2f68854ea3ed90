"""The driver app in real headless Chromium follows its route when it changes elsewhere (at
once, over its live stream, saying what changed), and asks before a shift ends with stops
still open."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from testkit.browser import PHONE, LiveServer
from tests.common import OrgHandle, make_org
from tests.driver_app import HUB, DriverDay, add_stop, make_driver_day
from tests.driver_browser import on_route


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": HUB[0], "longitude": HUB[1], "accuracy": 8},
        permissions=["geolocation"],
    )
    yield context
    context.close()


def _started_day(live_server: LiveServer) -> tuple[OrgHandle, DriverDay, httpx.Client]:
    org = make_org(live_server.db, "Route changes")
    api = httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30)
    day = make_driver_day(api, live_server.db, org, cod_on=None)
    started = api.post(f"/api/v1/routes/{day.route_id}/start", json={})
    assert started.status_code == 200, started.text
    return org, day, api


def test_an_outcome_reported_elsewhere_shows_when_the_driver_comes_back_to_the_app(
    context: BrowserContext, live_server: LiveServer
) -> None:
    _, day, api = _started_day(live_server)
    page = context.new_page()
    on_route(page, live_server.url, day)
    expect(page.locator("#route-progress")).to_have_text("0 of 3 done · 3 remaining")

    scanned = api.post(
        f"/api/v1/shipments/{day.tracking_numbers[0]}/events", json={"status": "delivered"}
    )
    assert scanned.status_code == 201, scanned.text
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator("#route-progress")).to_have_text("1 of 3 done · 2 remaining")
    expect(page.locator("#route-notice")).to_have_text("Route updated: stop 1 marked delivered.")
    api.close()


def test_ending_a_shift_with_open_stops_asks_and_hands_them_back(
    context: BrowserContext, live_server: LiveServer
) -> None:
    _, day, api = _started_day(live_server)
    page = context.new_page()
    on_route(page, live_server.url, day)
    # The question counts the open stops of the route read: ending before it is read skips it.
    expect(page.locator("#route-progress")).to_have_text("0 of 3 done · 3 remaining")
    asked: list[str] = []

    def answer(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.on("dialog", answer)
    page.locator("#open-end").click()
    page.locator("#end-form button[type=submit]").click()
    expect(page.locator("#view-cash")).to_be_visible()
    assert asked == ["3 stops are still open. End the shift and hand them back to the hub?"]
    expect(page.locator("#cash-total")).to_have_attribute("data-confirmed", "true", timeout=15_000)
    statuses = {
        api.get(f"/api/v1/shipments/{number}").json()["status"] for number in day.tracking_numbers
    }
    assert statuses == {"returned_to_hub"}
    api.close()


def test_stops_the_dispatcher_adds_or_cancels_show_at_once_and_keep_what_the_driver_typed(
    context: BrowserContext, live_server: LiveServer
) -> None:
    org, day, api = _started_day(live_server)
    page = context.new_page()
    on_route(page, live_server.url, day)
    expect(page.locator("body")).to_have_attribute("data-stream", "open")
    page.locator("#stops li").first.locator("button").click()
    page.locator("#customer-input").fill("I am 5 minutes away")

    added = add_stop(api, org, day, text="Bulevardi 5")
    stops = api.get(f"/api/v1/routes/{day.route_id}").json()["stops"]
    number = next(s["sequence"] + 1 for s in stops if s["tracking_number"] == added)

    notice = page.locator("#route-notice")
    expect(notice).to_have_text(f"Route updated: stop {number} added.")
    expect(page.locator("#view-stop")).to_be_visible()
    expect(page.locator("#customer-input")).to_have_value("I am 5 minutes away")
    page.locator("#view-stop button.back").click()
    expect(page.locator("#stops li")).to_have_count(4)
    expect(page.locator("#stops li").nth(number - 1)).to_contain_text("Bulevardi 5")
    expect(page.locator("#route-progress")).to_have_text("0 of 4 done · 4 remaining")

    gone = day.tracking_numbers[1]
    cancelled = api.post(f"/api/v1/shipments/{gone}/cancel", json={"reason": "Customer moved"})
    assert cancelled.status_code == 200, cancelled.text
    number = next(s["sequence"] + 1 for s in stops if s["tracking_number"] == gone)
    expect(notice).to_have_text(f"Route updated: stop {number} closed.")
    expect(page.locator("#route-progress")).to_have_text("1 of 4 done · 3 remaining")
    api.close()


def test_the_load_list_follows_a_stop_taken_off_or_added_at_once(
    context: BrowserContext, live_server: LiveServer
) -> None:
    """QA: after a dispatcher took a stop off, the list still said "3 of 3" with the parcel on
    it until its next interval; after one was added it said one too few."""
    org = make_org(live_server.db, "Load list")
    api = httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30)
    day = make_driver_day(api, live_server.db, org, cod_on=None)
    page = context.new_page()
    on_route(page, live_server.url, day)
    expect(page.locator("body")).to_have_attribute("data-stream", "open")
    count = page.locator("#load-van-count")
    missing = page.locator("#load-van-missing li")
    expect(count).to_have_text("Still to load: 3 of 3.")

    gone = day.tracking_numbers[1]
    taken = api.delete(f"/api/v1/routes/{day.route_id}/stops/{day.stop_ids[1]}")
    assert taken.status_code == 200, taken.text

    expect(page.locator("#route-notice")).to_contain_text("Route updated")
    expect(count).to_have_text("Still to load: 2 of 2.")
    expect(missing).to_have_count(2)
    expect(page.locator(f'#load-van-missing li[data-tracking-number="{gone}"]')).to_have_count(0)

    added = add_stop(api, org, day, text="Bulevardi 5")

    expect(count).to_have_text("Still to load: 3 of 3.")
    expect(page.locator(f'#load-van-missing li[data-tracking-number="{added}"]')).to_have_count(1)
    api.close()
