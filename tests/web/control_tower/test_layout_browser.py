"""The Control Tower's layout in real headless Chromium: at 1400 px the orders table fits its
panel with the tracking number, recipient, status and window in view; on a 390 px phone
nothing is wider than the screen, every tab can be reached and the map shows."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import hub_body, shipment_body
from testkit.browser import PHONE, LiveServer, screenshot, sign_in
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, make_dispatcher, make_org

LONG_ADDRESS = "Pohjoisesplanadi 11-13 B 42, sisäpiha, porttikoodi 4455, 00170 Helsinki, Finland"


def test_the_orders_table_fits_at_1400_px_and_the_page_on_a_phone(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        hub = api.post("/api/v1/hubs", json=hub_body())  # its clock (Helsinki) tells the times
        assert hub.status_code == 201, hub.text
        body = shipment_body(
            reference="LONG-1",
            recipient={"name": "Aleksandra Väisänen-Kristiansson", "phone": "+358401234567"},
            address={"text": LONG_ADDRESS},
            window={"start": "2026-11-24T09:00:00+02:00", "end": "2026-11-24T17:00:00+02:00"},
        )
        created = api.post("/api/v1/shipments", json=body)
        assert created.status_code == 201, created.text
        number = created.json()["tracking_number"]

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
    page.get_by_role("tab", name="Orders").click()
    row = page.locator(f"#orders tr[data-tracking='{number}']")
    expect(row).to_contain_text("Aleksandra")
    panel = page.get_by_role("tabpanel", name="Orders")
    overflow = panel.evaluate(
        "(node) => node.parentElement.scrollWidth - node.parentElement.clientWidth"
    )
    assert overflow <= 0, f"the orders panel scrolls sideways by {overflow} px"
    for column in ("tracking", "recipient", "status", "window"):
        cell = row.locator(f"td.{column}")
        expect(cell).to_be_in_viewport(ratio=1)
    # the day above the times
    expect(row.locator("td.window")).to_have_text("24.11.09:00\u201317:00")
    screenshot(page, "control-tower-orders")

    page.set_viewport_size(PHONE)
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page is {wide} px wider than the phone"
    expect(page.locator("#map")).to_be_visible()
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert box["height"] >= 200
    for name in ("Alerts", "Plan", "Orders", "Driver", "Analytics", "Billing"):
        tab = page.get_by_role("tab", name=name)
        expect(tab).to_be_in_viewport()
    page.get_by_role("tab", name="Billing").click()
    expect(page.get_by_role("tabpanel", name="Billing")).to_be_visible()
    page.get_by_role("tab", name="Orders").click()
    row.scroll_into_view_if_needed()
    for column in ("tracking", "status"):  # scrolled to, whole: not cut at the screen's edge
        expect(row.locator(f"td.{column}")).to_be_in_viewport(ratio=1)
    screenshot(page, "control-tower-phone")
    assert errors == []
    page.close()
