"""In real headless Chromium: a driver delivers with a note on the way in, and the next driver
with a stop at that address reads it under "Notes from earlier deliveries"."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from testkit.browser import PHONE, LiveServer
from tests.common import make_org
from tests.driver_app import make_driver_day
from tests.driver_browser import on_route

SYNC_MS = 20_000
NOTE = "Gate code 1234, entrance from the yard"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


def test_the_note_written_delivering_is_shown_to_the_next_driver_there(
    browser: Browser, context: BrowserContext, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Access notes")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        first = make_driver_day(api, live_server.db, org, cod_on=None)
        later = make_driver_day(
            api, live_server.db, org, cod_on=None, phone="+358401112299", plate="DRV-2"
        )
        for day in (first, later):
            started = api.post(f"/api/v1/routes/{day.route_id}/start", json={})
            assert started.status_code == 200, started.text

    page = context.new_page()
    on_route(page, live_server.url, first)
    page.locator("#stops li").first.locator("button").click()
    expect(page.locator("#earlier-notes")).to_be_hidden()
    page.locator("#stop-arrive").click()
    page.locator("#deliver-note").fill(NOTE)
    page.locator("#stop-deliver").click()
    stop = page.locator("#stops li").first
    expect(stop).to_have_attribute("data-synced", "true", timeout=SYNC_MS)
    expect(stop).to_have_attribute("data-status", "completed")

    other = browser.new_context(viewport=PHONE)
    try:
        next_page = other.new_page()
        on_route(next_page, live_server.url, later)
        next_page.locator("#stops li").first.locator("button").click()
        notes = next_page.locator("#earlier-notes")
        expect(notes).to_be_visible()
        expect(notes).to_contain_text("Notes from earlier deliveries")
        expect(notes.locator("li")).to_have_count(1)
        expect(notes.locator("li")).to_contain_text(NOTE)
        next_page.locator("button.back").first.click()
        next_page.locator("#stops li").nth(1).locator("button").click()
        expect(next_page.locator("#earlier-notes")).to_be_hidden()
    finally:
        other.close()
