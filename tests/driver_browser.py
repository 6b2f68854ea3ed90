"""Browser steps shared by the driver app's Chromium tests."""

from playwright.sync_api import Page, expect
from tests.driver_app import DriverDay
from tests.driver_proof_browser import signed_in


def on_route(page: Page, url: str, day: DriverDay) -> None:
    """Signed in, on shift, the route on screen."""
    signed_in(page, url, day)
    expect(page.locator("#view-shift")).to_be_visible()
    page.locator("#shift-form button[type=submit]").click()
    expect(page.locator("#view-route")).to_be_visible()
