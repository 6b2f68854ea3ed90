"""The Control Tower's Audit tab in real headless Chromium: an admin reads who changed what,
in plain words at the hub's local time; a dispatcher has no such tab."""

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect
from testkit.bodies import hub_body
from testkit.browser import LiveServer, screenshot, sign_in, wait_until
from tests.common import ADMIN_PASSWORD, DISPATCHER_PASSWORD, make_admin, make_dispatcher, make_org

ZONE = "America/New_York"  # far from the test machine's zone, whatever it is


def test_an_admin_reads_the_audit_log_and_a_dispatcher_has_no_audit_tab(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Harbour Parcels")
    make_dispatcher(live_server.db, org)
    make_admin(live_server.db, org)
    api = httpx.Client(base_url=live_server.url, headers=org.headers)
    assert api.post("/api/v1/hubs", json=hub_body(timezone=ZONE)).status_code == 201
    made = api.post(
        "/api/v1/users",
        json={"email": "dee@example.com", "name": "Dee", "password": "dee's long password"},
    )
    assert made.status_code == 201, made.text

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email="ada@example.com", password=ADMIN_PASSWORD)
    # A change made in this browser, by the signed-in admin, as the page's own requests are.
    status = page.evaluate(
        """async () => {
            const csrf = document.cookie.split("; ").find((c) => c.startsWith("lastmile_csrf="));
            const response = await fetch("/api/v1/organization/settings", {
                method: "PATCH", credentials: "same-origin",
                headers: { "Content-Type": "application/json",
                           "X-CSRF-Token": decodeURIComponent(csrf.split("=")[1]) },
                body: JSON.stringify({ brand_color: "#112233" }),
            });
            return response.status;
        }"""
    )
    assert status == 200

    page.get_by_role("tab", name="Audit").click()
    wait_until(page, "() => document.querySelectorAll('#audit li').length === 3")
    items = page.locator("#audit li")
    expect(items.nth(0)).to_contain_text(
        "Ada Admin changed the settings: brand_color #1f5fbf → #112233"
    )
    expect(items.nth(1)).to_contain_text("API key “test” added the user dee@example.com")
    expect(items.nth(2)).to_contain_text("API key “test” added the hub Helsinki hub (HEL1)")
    newest = api.get("/api/v1/audit").json()["items"][0]
    local = datetime.fromisoformat(newest["at"]).astimezone(ZoneInfo(ZONE))
    expect(items.nth(0).locator("time")).to_have_text(f"{local.day} {local:%b %Y}, {local:%H:%M}")
    expect(page.locator("#audit-more")).to_be_hidden()
    with page.expect_download() as downloading:
        page.locator("#audit-csv").click()
    download = downloading.value
    assert download.suggested_filename.startswith("audit-")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert [r["action"] for r in rows] == ["settings.organization", "user.create", "hub.create"]
    screenshot(page, "control-tower-audit")
    assert errors == []
    context.close()

    dispatcher = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(dispatcher, live_server.url, email="dana@example.com", password=DISPATCHER_PASSWORD)
    expect(dispatcher.get_by_role("tab", name="Analytics")).to_be_visible()
    expect(dispatcher.get_by_role("tab", name="Audit")).to_have_count(0)
    expect(dispatcher.locator("#tab-audit")).to_have_count(0)
    dispatcher.context.close()
    api.close()
