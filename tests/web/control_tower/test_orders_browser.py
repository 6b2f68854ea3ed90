"""The Control Tower's orders table in real headless Chromium: filtered by hub, paged with the
API's cursor (the filters kept), counted per status, statuses in words."""

from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import hub_body, shipment_body
from testkit.browser import LiveServer, sign_in
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, make_dispatcher, make_org


def test_orders_are_filtered_by_hub_paged_and_counted(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        hubs = [
            api.post("/api/v1/hubs", json=hub_body(code=code, name=name)).json()
            for code, name in [("HEL1", "Helsinki hub"), ("ESP1", "Espoo hub")]
        ]
        rows = [shipment_body(reference=f"O-{i}", hub_id=hubs[0]["id"]) for i in range(105)]
        rows.append(shipment_body(reference="ESPOO-1", hub_id=hubs[1]["id"]))
        created = api.post("/api/v1/shipments/bulk", json={"shipments": rows})
        assert created.json()["created"] == 106, created.text

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
    page.get_by_role("tab", name="Orders").click()
    tab = page.get_by_role("tabpanel", name="Orders")
    expect(page.locator("#order-counts")).to_have_text("Order received 106")

    tab.get_by_label("Hub", exact=True).select_option(label="Helsinki hub (HEL1)")
    tab.get_by_role("button", name="Search").click()
    rows_shown = page.locator("#orders tr")
    counts = page.locator("#order-counts")
    expect(counts).to_have_text("Order received 105")
    expect(rows_shown).to_have_count(100)
    expect(rows_shown.first).to_contain_text("Order received")
    newer = tab.get_by_role("button", name="Newer orders")
    expect(newer).to_be_hidden()

    tab.get_by_role("button", name="Older orders").click()
    expect(rows_shown).to_have_count(5)
    expect(page.locator("#orders")).not_to_contain_text("ESPOO")
    expect(tab.get_by_role("button", name="Older orders")).to_be_hidden()
    newer.click()
    expect(rows_shown).to_have_count(100)
    expect(counts).to_have_text("Order received 105")

    tab.get_by_label("Delivery date").fill("2026-11-25")
    tab.get_by_role("button", name="Search").click()
    expect(counts).to_have_text("No orders match.")
    expect(rows_shown).to_have_count(0)
    assert errors == []
    page.close()


def test_the_detail_drawer_shows_the_current_status_and_names_the_actors(
    browser: Browser, live_server: LiveServer
) -> None:
    """Events stamped before the order was made (the demo's head start) sort before its
    creation: the drawer still says the shipment's status, and who did what by name."""
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    earlier = datetime.now(UTC) - timedelta(minutes=30)
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        hub = api.post("/api/v1/hubs", json=hub_body()).json()
        created = api.post("/api/v1/shipments", json=shipment_body(hub_id=hub["id"]))
        number = created.json()["tracking_number"]
        for minutes, status in [(0, "at_hub"), (10, "out_for_delivery")]:
            at = (earlier + timedelta(minutes=minutes)).isoformat()
            posted = api.post(
                f"/api/v1/shipments/{number}/events", json={"status": status, "at": at}
            )
            assert posted.status_code == 201, posted.text

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
    page.get_by_role("tab", name="Orders").click()
    page.locator("#orders tr", has_text=number).get_by_role("button", name="Details").click()

    drawer = page.locator("#order-detail-body")
    status = drawer.locator("dt", has_text="Status").locator("xpath=following-sibling::dd[1]")
    expect(status).to_have_text("Out for delivery")
    timeline = drawer.get_by_role("list", name="Timeline").locator("li")
    expect(timeline).to_have_count(3)
    expect(timeline.last).to_contain_text("Order received")
    expect(timeline.last).to_contain_text("API key test")
    expect(drawer).not_to_contain_text("api-key:")
    assert errors == []
    page.close()
