"""The site's icon: served at /favicon.ico (browsers ask unprompted) and linked by every page."""

from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from testkit.browser import PHONE, LiveServer
from tests.common import OrgHandle, create_shipment


def test_favicon_ico_and_svg_are_served(client: TestClient) -> None:
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/png"
    assert ico.content.startswith(b"\x89PNG")
    svg = client.get("/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")


def test_every_page_links_the_icon(client: TestClient, org: OrgHandle) -> None:
    tracking = create_shipment(client, org)["tracking_url"].removeprefix("http://testserver")
    for path in [tracking, "/t/no-such-link-at-all", "/control-tower", "/driver/", "/docs"]:
        page = client.get(path, headers={"Accept": "text/html"})
        assert 'rel="icon"' in page.text, path


def test_a_page_loads_without_console_errors(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    icons: list[int] = []
    page.on("response", lambda r: icons.append(r.status) if "/favicon." in r.url else None)
    page.goto(f"{live_server.url}/control-tower", wait_until="load")
    page.wait_for_function("() => document.readyState === 'complete'")
    answer = page.request.get(f"{live_server.url}/favicon.ico")
    assert answer.status == 200
    assert (errors, failed) == ([], [])
    assert all(status == 200 for status in icons)
    context.close()
