""" "Is this your door?" in real headless Chromium: the pin on its map, moving it shows how far
it went, and "Yes, this is my door" confirms it."""

from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import shipment_body
from testkit.browser import PHONE, LiveServer
from testkit.osm import write_tiny_extract
from tests.common import make_org

from lastmile.addresses.extract import read_extract
from lastmile.addresses.index import store


def test_the_customer_sees_the_pin_and_confirms_it(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    org = make_org(live_server.db, "Nopea Kuriiri")
    tiny = read_extract(write_tiny_extract(tmp_path / "tiny.osm.pbf"))
    with live_server.db.session() as session:
        store(session=session, extract=tiny, map_name="tiny", source="tiny.osm.pbf")
        session.commit()
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=10) as api:
        created = api.post(
            "/api/v1/shipments", json=shipment_body(address={"text": "Mäkelänkatu 12 B"})
        )
        assert created.status_code == 201, created.text
        shipment = created.json()

        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(shipment["tracking_url"])
        door = page.locator("#door")
        expect(door.get_by_role("heading", name="Is this your door?")).to_be_visible()
        expect(page.locator("#door-map[data-ready='1'] .door-pin")).to_have_count(1)
        door.get_by_role("button", name="Move the pin").click()
        expect(door.get_by_role("button", name="Save the new pin")).to_be_disabled()

        door.get_by_role("button", name="Yes, this is my door").click()

        expect(page.get_by_role("status")).to_contain_text("the driver will come to that pin")
        expect(door).to_contain_text("You confirmed this pin as your door")
        quality = api.get(f"/api/v1/shipments/{shipment['tracking_number']}").json()
        assert [r["code"] for r in quality["address"]["quality"]["reasons"]] == [
            "customer_confirmed"
        ]
        assert errors == []
        context.close()
