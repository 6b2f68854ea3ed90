""" "Notify me in this browser" in real headless Chromium: the button, the service worker, and
what the worker shows when a push arrives.

Chromium's PushManager.subscribe talks to Google's push service, which this machine cannot
reach, so a real subscription cannot complete here: the test checks that the page says so
instead of pretending, and delivers a push to the service worker through DevTools instead.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect
from testkit.bodies import shipment_body
from testkit.browser import PHONE, LiveServer
from tests.common import make_org

from lastmile.notify.models import PushSubscription


@pytest.fixture
def tracking_path(live_server: LiveServer) -> str:
    org = make_org(live_server.db, "Nopea Kuriiri")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=10) as client:
        shipment = client.post("/api/v1/shipments", json=shipment_body()).json()
        client.post(
            f"/api/v1/shipments/{shipment['tracking_number']}/events",
            json={"status": "out_for_delivery"},
        ).raise_for_status()
    return str(shipment["tracking_url"]).removeprefix(live_server.url)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["notifications"], origin=live_server.url)
    yield context
    context.close()


def registration_id(page: Page, cdp: CDPSession, scope: str) -> str:
    """The service worker's id as DevTools knows it (polled until it is reported)."""
    found: dict[str, str] = {}

    def updated(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while "id" not in found:
        assert time.monotonic() < deadline, "DevTools never reported the service worker"
        page.wait_for_timeout(50)
    return found["id"]


def test_the_button_shows_the_service_worker_registers_and_shows_pushes(
    live_server: LiveServer, context: BrowserContext, tracking_path: str
) -> None:
    page = context.new_page()
    page.goto(live_server.url + tracking_path)
    expect(page.get_by_role("button", name="Notify me in this browser")).to_be_visible()
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == live_server.url + tracking_path

    payload = {
        "title": "Your driver is almost there",
        "body": "Parcel LM1 arrives at about 10:40.",
        "url": live_server.url + tracking_path,
        "tag": "lastmile-test",
    }
    cdp = context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration_id(page, cdp, scope),
            "data": json.dumps(payload),
        },
    )
    shown = page.wait_for_function(
        """async () => {
            const notes = await (await navigator.serviceWorker.ready).getNotifications();
            return notes.length ? notes.map((n) => [n.title, n.body, n.data.url]) : null;
        }"""
    ).json_value()
    assert shown == [[payload["title"], payload["body"], payload["url"]]]


def test_without_a_reachable_push_service_the_page_says_it_could_not_subscribe(
    live_server: LiveServer, context: BrowserContext, tracking_path: str
) -> None:
    page = context.new_page()
    page.goto(live_server.url + tracking_path)
    page.get_by_role("button", name="Notify me in this browser").click()
    expect(page.locator("#push-status")).to_contain_text(
        "Could not turn on notifications", timeout=30_000
    )
    expect(page.get_by_role("button", name="Notify me in this browser")).to_be_enabled()
    with live_server.db.session() as session:
        assert session.query(PushSubscription).count() == 0


def test_without_push_support_there_is_no_button(
    browser: Browser, live_server: LiveServer, tracking_path: str
) -> None:
    context = browser.new_context(viewport=PHONE, service_workers="block")
    page = context.new_page()
    page.goto(live_server.url + tracking_path)
    expect(page.locator("h1#status")).to_have_text("Out for delivery")
    expect(page.locator("#push")).to_be_hidden()
    context.close()
