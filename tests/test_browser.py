"""The browser fixtures themselves: Chromium starts and reaches the live server."""

from playwright.sync_api import Browser
from testkit.browser import LiveServer


def test_chromium_reaches_the_live_server(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(f"{live_server.url}/healthz")
    assert '"ok"' in page.content()
