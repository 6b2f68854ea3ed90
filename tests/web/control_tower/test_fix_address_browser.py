"""The Control Tower's "Fix address" dialog in real headless Chromium: a flagged order is
searched, a suggestion picked and saved, and its row loses the flag."""

from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import shipment_body
from testkit.browser import LiveServer, sign_in
from testkit.osm import write_tiny_extract
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, make_dispatcher, make_org

from lastmile.addresses.extract import read_extract
from lastmile.addresses.index import store


def test_a_flagged_address_is_fixed_from_the_orders_table(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    tiny = read_extract(write_tiny_extract(tmp_path / "tiny.osm.pbf"))
    with live_server.db.session() as session:
        store(session=session, extract=tiny, map_name="tiny", source="tiny.osm.pbf")
        session.commit()
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        body = shipment_body(address={"text": "Mannerheimintie, Helsinki"})
        created = api.post("/api/v1/shipments", json=body)
        assert created.status_code == 201, created.text
        number = created.json()["tracking_number"]

        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
        page.get_by_role("tab", name="Orders").click()
        page.get_by_label("Needs attention").check()
        page.get_by_role("button", name="Search").click()
        row = page.locator(f"#orders tr[data-tracking='{number}']")
        expect(row).to_contain_text("no house number")

        row.get_by_role("button", name="Fix address").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("names Mannerheimintie but no house number")
        search = dialog.get_by_label("Search the address")
        search.fill("")
        search.press_sequentially("Mannerheimintie 5")
        dialog.get_by_role("option").filter(has_text="Mannerheimintie 5").first.click()
        expect(dialog.locator("#fix-address-where")).to_contain_text("Mannerheimintie 5")
        dialog.get_by_role("button", name="Save").click()

        expect(dialog).to_be_hidden()
        expect(row).to_contain_text("100")
        expect(row).to_contain_text("The pin was moved by dana@example.com")
        expect(row.get_by_role("button", name="Fix address")).to_have_count(0)
        saved = api.get(f"/api/v1/shipments/{number}").json()["address"]
        assert saved["text"].startswith("Mannerheimintie 5")
        assert (saved["lat"], saved["lon"]) == (60.174, 24.934)
        assert errors == []
        page.close()
