"""The driver's route map in real headless Chromium on a phone: stops at the same door keep
their numbers legible, side by side rather than stacked."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import PHONE, LiveServer
from tests.common import make_org
from tests.driver_app import STOPS, make_driver_day
from tests.driver_proof_browser import signed_in


def test_stops_at_the_same_point_do_not_hide_each_others_number(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Map markers org")
    same_door = [STOPS[0], STOPS[0], STOPS[0]]
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = make_driver_day(api, live_server.db, org, cod_on=None, places=same_door)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    signed_in(page, live_server.url, day)
    page.locator("#shift-form button[type=submit]").click()
    markers = page.locator("#map .stop-marker")
    expect(markers).to_have_count(3)
    expect(markers).to_have_text(["1", "2", "3"])
    boxes = [markers.nth(i).bounding_box() for i in range(3)]
    assert all(box is not None for box in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a is not None
            assert b is not None
            apart_x = a["x"] + a["width"] <= b["x"] + 1 or b["x"] + b["width"] <= a["x"] + 1
            apart_y = a["y"] + a["height"] <= b["y"] + 1 or b["y"] + b["height"] <= a["y"] + 1
            assert apart_x or apart_y, (a, b)
    context.close()
