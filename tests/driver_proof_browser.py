"""The driver app in Chromium: a started route, a camera-sized photo, a drawn signature."""

import io
import re

from PIL import Image
from playwright.sync_api import FilePayload, Page, expect
from tests.driver_app import PIN, DriverDay

SYNC_MS = 20_000


def camera_photo(size: tuple[int, int] = (2400, 1800)) -> FilePayload:
    """A camera-sized JPEG: the app must downscale it before upload."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format="JPEG")
    return {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def draw_signature(page: Page) -> None:
    """Sign in the pad with the mouse and save the signature; returns once the app took it.

    The pad is scrolled into view first: on a phone it can sit below the fold, where mouse
    strokes land on nothing (CI saw "Still needed: signature" under load)."""
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 100 - (step % 3) * 25)
    page.mouse.up()
    page.locator("#signature-save").click()
    expect(page.locator("#proof-signature")).to_have_class(re.compile(r"\bok\b"))


def signed_in(page: Page, url: str, day: DriverDay) -> None:
    """The driver app opened and the driver signed in with their phone number and PIN."""
    page.goto(f"{url}/driver/")
    page.locator("#signin-phone").fill(day.phone)
    page.locator("#signin-pin").fill(PIN)
    page.locator("#signin-form button[type=submit]").click()


def route_started(page: Page, url: str, day: DriverDay) -> None:
    """Signed in, on shift, the route started and the server's answer on screen."""
    signed_in(page, url, day)
    page.locator("#shift-form button[type=submit]").click()
    page.locator("#route-start").click()
    expect(page.locator("#stops")).to_have_attribute("data-synced", "true", timeout=SYNC_MS)
