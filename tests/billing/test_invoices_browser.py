"""The Control Tower's Invoices tab in real headless Chromium: an admin drafts an invoice from
the tab's form, opens the draft, cancels
the issue once, issues it after confirming and downloads its PDF; a dispatcher reads the same
invoice but is offered no action."""

import io
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from testkit.browser import LiveServer, sign_in, wait_until
from tests.billing.invoice_factories import merchant_with_charges
from tests.common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DISPATCHER_PASSWORD,
    make_admin,
    make_dispatcher,
    make_org,
)


def test_an_admin_issues_an_invoice_and_downloads_its_pdf(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Harbour Parcels")
    make_dispatcher(live_server.db, org)
    make_admin(live_server.db, org)
    merchant_id = merchant_with_charges(live_server.db, org.org_id, name="Kauppa Oy")
    api = httpx.Client(base_url=live_server.url, headers=org.headers)

    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    page.get_by_role("tab", name="Invoices").click()
    drafting = page.locator("#invoice-draft")
    drafting.locator("select[name=merchant_id]").select_option(label="Kauppa Oy")
    drafting.locator("input[name=period]").fill("2026-11")
    drafting.get_by_role("button", name="Draft invoice").click()
    expect(page.locator("#invoice-status")).to_have_text("draft")
    drafts = api.get("/api/v1/billing/invoices", params={"merchant_id": str(merchant_id)}).json()
    (draft,) = drafts if isinstance(drafts, list) else drafts["items"]
    row = page.locator(f"#invoices tr[data-id='{draft['id']}']")
    expect(row).to_contain_text("Kauppa Oy")
    expect(row).to_contain_text("draft")
    row.click()
    expect(page.locator("#invoice")).to_contain_text("Failed attempts")
    expect(page.locator("#invoice thead")).to_contain_text("Description")
    # each line says what it is, in a cell of its own (not only its group's heading)
    expect(page.locator("#invoice tbody td").filter(has_text="Failed attempt")).to_have_count(1)
    expect(page.locator("#invoice-total")).to_contain_text("9.29")

    page.get_by_role("button", name="Issue", exact=True).click()
    expect(page.locator("#invoice-confirm")).to_contain_text("Kauppa Oy")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#invoice-confirm")).to_have_count(0)
    assert api.get(f"/api/v1/billing/invoices/{draft['id']}").json()["status"] == "draft"

    page.get_by_role("button", name="Issue", exact=True).click()
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#invoice-status")).to_have_text("issued")
    number = api.get(f"/api/v1/billing/invoices/{draft['id']}").json()["number"]
    expect(page.locator("#invoice h3")).to_contain_text(f"Invoice {number}")
    expect(row).to_contain_text(number)
    issued_lines = page.locator("#invoice tbody td").filter(has_text="Failed attempt")
    expect(issued_lines).to_have_count(1)  # the issued invoice shows its lines as the draft did
    wait_until(page, "() => !document.querySelector('#invoice-confirm')")

    with page.expect_download() as downloading:
        page.locator("#invoice-pdf").click()
    download = downloading.value
    assert download.suggested_filename == f"invoice-{number}.pdf"
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert f"Invoice {number}" in text
    assert "Kauppa Oy" in text
    assert "Harbour Parcels" in text
    assert errors == []
    context.close()

    dispatcher = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(dispatcher, live_server.url, email="dana@example.com", password=DISPATCHER_PASSWORD)
    dispatcher.get_by_role("tab", name="Invoices").click()
    dispatcher.locator(f"#invoices tr[data-id='{draft['id']}']").click()
    expect(dispatcher.locator("#invoice-status")).to_have_text("issued")
    expect(dispatcher.locator("#invoice-pdf")).to_be_visible()
    expect(dispatcher.get_by_role("button", name="Void")).to_have_count(0)
    expect(dispatcher.locator("#invoice-draft")).to_have_count(0)
    dispatcher.context.close()
    api.close()
