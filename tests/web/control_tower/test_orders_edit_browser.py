"""Orders made and corrected in the Control Tower in real headless Chromium: a new order from
the form (a server error shown under its field, the address picked from the geocoder's
suggestions, the window in the hub's clock), its address edited, and a CSV with two bad
rows imported with those rows named."""

from decimal import Decimal
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import hub_body, shipment_body
from testkit.browser import LiveServer, sign_in
from testkit.osm import write_tiny_extract
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, make_dispatcher, make_org

from lastmile.addresses.extract import read_extract
from lastmile.addresses.index import store

CSV = (
    "Tilausnumero;Vastaanottaja;Puhelin;Osoite;Toimituspäivä;Alkaen;Asti;Kollit\n"
    "IMP-1;Aino Import;+358401234567;Mannerheimintie 1, Helsinki;8.12.2026;9.00;12.00;2\n"
    "IMP-2;;+358401234567;Mannerheimintie 5, Helsinki;8.12.2026;9.00;12.00;1\n"
    "IMP-3;Eino Import;+358401234568;Koskikatu 5, Helsinki;8.12.2026;9.00;12.00;1\n"
    "IMP-4;Ville Import;12;Kuskikatu 5, Helsinki;8.12.2026;9.00;12.00;1\n"
    "IMP-5;Saara Import;+358401234569;Mäkelänkatu 12 A, Helsinki;8.12.2026;9.00;12.00;3\n"
)


def test_an_order_is_created_edited_and_a_csv_imported_with_its_bad_rows_named(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    tiny = read_extract(write_tiny_extract(tmp_path / "tiny.osm.pbf"))
    with live_server.db.session() as session:
        store(session=session, extract=tiny, map_name="tiny", source="tiny.osm.pbf")
        session.commit()
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        hub = api.post("/api/v1/hubs", json=hub_body()).json()

        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
        page.get_by_role("tab", name="Orders").click()
        tab = page.get_by_role("tabpanel", name="Orders")

        tab.get_by_role("button", name="New order").click()
        dialog = page.get_by_role("dialog", name="New order")
        dialog.get_by_label("Name").fill("Aino Form")
        dialog.get_by_label("Phone").fill("12")
        address = dialog.get_by_role("combobox", name="Address")
        address.press_sequentially("Mannerheimintie 5")
        dialog.get_by_role("option").filter(has_text="Mannerheimintie 5").first.click()
        expect(dialog.locator("#order-edit-where")).to_contain_text("Mannerheimintie 5")
        dialog.get_by_label("Hub").select_option(label="Helsinki hub (HEL1)")
        dialog.get_by_label("Delivery date").fill("2026-12-08")
        dialog.get_by_label("Window from").fill("09:00")
        dialog.get_by_label("Window to").fill("12:00")
        dialog.get_by_label("Parcels", exact=True).fill("2")
        dialog.get_by_label("COD amount").fill("10,50")
        dialog.get_by_label("Notes for the driver").fill("Door code 1234")
        dialog.get_by_role("button", name="Save").click()
        phone_error = dialog.locator('.field-error[data-for="recipient.phone"]')
        expect(phone_error).to_contain_text("'12'")
        expect(dialog).to_be_visible()

        dialog.get_by_label("Phone").fill("+358401234567")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        row = page.locator("#orders tr").filter(has_text="Aino Form")
        expect(row).to_have_count(1)
        number = row.get_attribute("data-tracking")
        made = api.get(f"/api/v1/shipments/{number}").json()
        assert made["window"] == {"start": "2026-12-08T07:00:00Z", "end": "2026-12-08T10:00:00Z"}
        assert made["address"]["text"].startswith("Mannerheimintie 5")
        assert (made["address"]["lat"], made["address"]["lon"]) == (60.174, 24.934)
        assert Decimal(made["cod"]["amount"]) == Decimal("10.5")
        assert (made["hub_id"], made["parcel_count"]) == (hub["id"], 2)

        row.get_by_role("button", name="Edit").click()
        edit = page.get_by_role("dialog", name=f"Edit order · {number}")
        expect(edit.get_by_label("Window from")).to_have_value("09:00")
        expect(edit.get_by_label("Parcels", exact=True)).to_be_disabled()
        address = edit.get_by_role("combobox", name="Address")
        address.fill("")
        address.press_sequentially("Koskikatu 5")
        edit.get_by_role("option").filter(has_text="Koskikatu 5").first.click()
        edit.get_by_role("button", name="Save").click()
        expect(edit).to_be_hidden()
        moved = api.get(f"/api/v1/shipments/{number}").json()
        assert moved["address"]["text"].startswith("Koskikatu 5")
        assert moved["window"] == made["window"]

        tab.get_by_role("button", name="Import CSV or Excel").click()
        importing = page.get_by_role("dialog", name="Import orders")
        importing.get_by_label("Hub for rows that name none").select_option(
            label="Helsinki hub (HEL1)"
        )
        importing.get_by_label("File").set_input_files(
            files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
        )
        listed = importing.get_by_role("list", name="Rows with problems").get_by_role("listitem")
        expect(listed).to_have_count(2)
        expect(listed.nth(0)).to_contain_text("Row 3, column “Vastaanottaja”")
        expect(listed.nth(1)).to_contain_text("Row 5, column “Puhelin”")
        expect(importing.locator("#order-import-status")).to_have_text(
            "5 rows: 3 ready, 2 with problems."
        )
        expect(importing.get_by_label("Recipient name *")).to_have_value("1")

        importing.get_by_role("button", name="Import", exact=True).click()
        result = importing.locator("#order-import-result")
        expect(result).to_have_text("Created 0, skipped 5.")
        importing.get_by_label("Valid rows only").check()
        importing.get_by_role("button", name="Import", exact=True).click()
        expect(result).to_have_text("Created 3, skipped 2.")
        importing.get_by_role("button", name="Close").click()
        expect(page.locator("#orders tr").filter(has_text="Import")).to_have_count(3)
        assert errors == []
        page.close()


def test_orders_sort_by_recipient_and_the_drawer_shows_the_timeline_and_cancels(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        created = api.post("/api/v1/shipments", json=shipment_body(reference="DRAWER-1"))
        assert created.status_code == 201, created.text
        number = created.json()["tracking_number"]
        later = api.post(
            "/api/v1/shipments", json=shipment_body(reference="B-1", recipient={"name": "Bertta"})
        )
        assert later.status_code == 201, later.text

        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
        page.get_by_role("tab", name="Orders").click()
        rows = page.locator("#orders tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Bertta")
        page.get_by_role("button", name="Recipient").click()
        expect(rows.first).to_contain_text("Aino Virtanen")
        page.get_by_role("button", name="Recipient").click()
        expect(rows.first).to_contain_text("Bertta")
        row = page.locator(f"#orders tr[data-tracking='{number}']")
        row.get_by_role("cell", name="Aino Virtanen").click()

        drawer = page.get_by_role("dialog", name=f"Order {number}")
        expect(drawer.get_by_role("list", name="Timeline")).to_contain_text("Order received")
        expect(drawer).to_contain_text("DRAWER-1")
        expect(drawer).to_contain_text("Not on a route shown on the board.")
        expect(drawer.get_by_role("heading", name="Charges")).to_be_visible()

        drawer.get_by_role("button", name="Cancel order").click()
        drawer.get_by_label("Why is it cancelled?").fill("Customer moved away")
        drawer.get_by_role("button", name="Cancel the order").click()
        expect(drawer.get_by_role("list", name="Timeline")).to_contain_text("Customer moved away")
        expect(drawer.get_by_role("button", name="Edit")).to_be_hidden()
        assert api.get(f"/api/v1/shipments/{number}").json()["status"] == "cancelled"
        drawer.get_by_role("button", name="Close").click()
        expect(row.get_by_role("button", name="Edit")).to_have_count(0)
        assert errors == []
        page.close()
