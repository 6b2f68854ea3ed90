"""The Control Tower in real headless Chromium: an alert raised by a fix appears live, and
acknowledging it in one dispatcher tab updates a second open tab (naming the driver and who
acted; Cancel on the resolution note leaves it unresolved); the orders table shows each
address's quality and filters those that need attention."""

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import shipment_body
from testkit.browser import PHONE, LiveServer, screenshot
from testkit.osm import write_tiny_extract
from tests.common import DISPATCHER_PASSWORD, make_dispatcher, make_org

from lastmile.addresses.extract import read_extract
from lastmile.addresses.index import store
from lastmile.addresses.learned import address_key
from lastmile.addresses.models import LearnedPoint


def test_an_alert_appears_live_and_acknowledging_it_updates_another_tab(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    api = httpx.Client(base_url=live_server.url, headers=org.headers)
    driver = api.post(
        "/api/v1/drivers", json={"name": "Mikko", "phone": "+358401112223", "device_ids": ["ph-1"]}
    )
    assert driver.status_code == 201, driver.text

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    first = context.new_page()
    errors: list[str] = []
    first.on("pageerror", lambda error: errors.append(str(error)))
    first.goto(f"{live_server.url}/control-tower")
    first.get_by_label("Email").fill("dana@example.com")
    first.get_by_label("Password").fill(DISPATCHER_PASSWORD)
    first.get_by_role("button", name="Sign in").click()
    second = context.new_page()
    second.goto(f"{live_server.url}/control-tower")
    for tab in (first, second):
        expect(tab.locator("body[data-live='1']")).to_have_count(1, timeout=15_000)
        expect(tab.locator("#no-alerts")).to_be_visible()

    now = datetime.now(UTC).isoformat()
    fix = {"at": now, "lat": 60.17, "lon": 24.94, "accuracy_m": 5.0, "mock": True}
    assert api.post("/api/v1/fixes", json={"device_id": "ph-1", "fixes": [fix]}).status_code == 200

    driver_id = driver.json()["id"]
    for tab in (first, second):
        expect(tab.locator("#map")).to_have_attribute("data-last-position", f"{driver_id}@{now}")
        alert = tab.locator(".alert[data-status='open']")
        expect(alert).to_have_count(1, timeout=15_000)
        expect(alert).to_contain_text("mock")
        expect(alert.locator(".opened")).to_have_text(
            re.compile(r"^\d\d:\d\d$")
        )  # 24-hour hub clock
    screenshot(first, "control-tower")

    first.locator(".alert").get_by_role("button", name="Acknowledge").click()
    acknowledged = second.locator(".alert[data-status='acknowledged']")
    expect(acknowledged).to_have_count(1, timeout=15_000)
    expect(acknowledged.locator(".actor")).to_have_text(" by you")
    expect(acknowledged.locator(".subject")).to_have_text("Mikko")

    second.once("dialog", lambda dialog: dialog.dismiss())  # Cancel on the resolution note
    acknowledged.get_by_role("button", name="Resolve").click()
    expect(second.locator("#alerts-error")).to_be_hidden()
    expect(first.locator(".alert[data-status='acknowledged']")).to_have_count(1)
    assert api.get("/api/v1/alerts").json()[0]["status"] == "acknowledged"

    second.get_by_role("tab", name="Analytics").click()
    expect(second.locator(f"#scorecards tr[data-driver='{driver_id}']")).to_contain_text("Mikko")
    screenshot(second, "control-tower-analytics")

    tiny = read_extract(write_tiny_extract(tmp_path / "tiny.osm.pbf"))
    learned = "Mannerheimintie 5, Helsinki"
    with live_server.db.session() as session:
        store(session=session, extract=tiny, map_name="tiny", source="tiny.osm.pbf")
        door = (60.1742, 24.9343)  # where two earlier deliveries were made
        at = datetime.now(UTC)
        session.add(
            LearnedPoint(
                org_id=org.org_id,
                address_key=address_key(learned),
                lat=door[0],
                lon=door[1],
                count=2,
                outliers=0,
                last_seen_at=at,
            )
        )
        session.commit()
    numbers = {}
    for text in ("Mannerheimintie 1, Helsinki", "Mannerheimintie, Helsinki", learned):
        created = api.post("/api/v1/shipments", json=shipment_body(address={"text": text}))
        assert created.status_code == 201, created.text
        numbers[text] = created.json()["tracking_number"]
    first.get_by_role("tab", name="Driver").click()
    expect(first.locator("#chat-form")).to_be_hidden()  # no chat before a driver is picked
    first.get_by_role("tab", name="Orders").click()  # the table fills without pressing Search
    statuses = first.get_by_label("Status").locator("option")
    expect(statuses).to_contain_text(["Any status", "Returned to the hub", "Cancelled"])
    door = first.locator(f"#orders tr[data-tracking='{numbers['Mannerheimintie 1, Helsinki']}']")
    street = first.locator(f"#orders tr[data-tracking='{numbers['Mannerheimintie, Helsinki']}']")
    expect(door).to_contain_text("Mannerheimintie 1, Helsinki")  # the address as written
    expect(door).to_contain_text("finds the door")
    expect(street).to_contain_text("no house number")
    learned_row = first.locator(f"#orders tr[data-tracking='{numbers[learned]}']")
    expect(learned_row).to_contain_text("finds the door · learned point (2 deliveries)")
    first.get_by_label("Needs attention").check()
    # the filter applies as it is ticked, without pressing Search
    expect(first.locator("#orders tr")).to_have_count(1)
    expect(street).to_be_visible()

    first.set_viewport_size(PHONE)  # on a phone the figures stay on one line
    heights = first.locator("#kpis li").evaluate_all("(items) => items.map((i) => i.offsetHeight)")
    assert max(heights) < 30, heights  # "12 delivered" on one line, not broken over two
    assert first.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
    context.close()
    api.close()
