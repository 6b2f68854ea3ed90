"""The driver list beside the Control Tower's map, in real headless Chromium: each driver out
today with status, progress, last fix age and battery; a search; picking one highlights their
route (the others faded) and opens the panel with the chat box, which is hidden otherwise."""

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer, screenshot
from tests.driver_app import make_driver_day, start_the_day
from tests.driver_app import sign_in as driver_sign_in
from tests.web.control_tower.board import dispatcher_org, open_board


def test_the_driver_list_shows_who_is_out_and_picking_one_highlights_their_route(
    browser: Browser, live_server: LiveServer
) -> None:
    org = dispatcher_org(live_server)
    api = httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30)
    out = start_the_day(
        api, driver_sign_in(api, make_driver_day(api, live_server.db, org, cod_on=None))
    )
    planned = make_driver_day(
        api, live_server.db, org, cod_on=None, plate="DRV-2", phone="+358401112224"
    )
    at = datetime.now(UTC) - timedelta(seconds=20)
    fixes = [
        {"at": at.isoformat(), "lat": 60.1699, "lon": 24.9384, "accuracy_m": 5.0,
         "speed_mps": 8.0, "battery_pct": 64.0},
    ]  # fmt: skip
    sent = api.post(
        "/api/v1/driver/fixes", json={"device_id": "app-1", "fixes": fixes}, headers=out.headers
    )
    assert sent.is_success, sent.text
    # Heard from five minutes ago: older than the board's `stale_after_s`.
    quiet = driver_sign_in(
        api,
        make_driver_day(
            api, live_server.db, org, cod_on=None, plate="DRV-3", phone="+358401112225"
        ),
    )
    old = {**fixes[0], "at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()}
    sent = api.post(
        "/api/v1/driver/fixes", json={"device_id": "app-3", "fixes": [old]}, headers=quiet.headers
    )
    assert sent.is_success, sent.text

    board = open_board(browser, live_server)
    page = board.page
    rows = page.locator("#driver-list li")
    expect(rows).to_have_count(3)
    moving = page.locator(f"#driver-list li[data-driver='{out.driver_id}']")
    expect(moving.locator(".status")).to_have_text("driving")
    expect(moving.locator(".progress")).to_have_text("0/3 delivered")
    expect(moving.locator(".battery")).to_have_text("64%")
    expect(moving.locator(".fix-age")).to_have_text(re.compile(r"^\d+ s ago$"))
    expect(moving.locator(".fix-age")).not_to_have_class(re.compile("stale"))
    waiting = page.locator(f"#driver-list li[data-driver='{planned.driver_id}']")
    expect(waiting.locator(".status")).to_have_text("offline")  # no shift started
    expect(waiting.locator(".fix-age")).to_have_text("no fix yet")
    expect(waiting.locator(".fix-age")).to_have_class(re.compile("stale"))
    expect(waiting.locator(".battery")).to_have_count(0)
    silent = page.locator(f"#driver-list li[data-driver='{quiet.driver_id}']")
    expect(silent.locator(".fix-age")).to_have_text("5 min ago")
    expect(silent.locator(".fix-age")).to_have_class(re.compile("stale"))

    page.get_by_role("tab", name="Driver").click()
    expect(page.locator("#chat-box")).to_be_hidden()  # nobody picked: nobody to write to

    page.get_by_label("Search drivers").fill("drv-2")
    expect(rows).to_have_count(1)
    expect(waiting).to_be_visible()
    page.get_by_label("Search drivers").fill("")
    expect(rows).to_have_count(3)

    page.get_by_role("tab", name="Alerts").click()
    moving.get_by_role("button").click()
    expect(moving).to_have_class(re.compile("selected"))
    expect(moving.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#map")).to_have_attribute("data-highlighted", out.driver_id)
    legend = page.locator(".legend li")
    expect(legend.and_(page.locator(f"[data-driver='{out.driver_id}']"))).to_have_class("picked")
    expect(legend.and_(page.locator(f"[data-driver='{planned.driver_id}']"))).to_have_class("faded")
    expect(page.get_by_role("tab", name="Driver")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#driver-name")).to_have_text("Driver DRV-1")
    expect(page.locator("#chat-box")).to_be_visible()
    screenshot(page, "control-tower-drivers")
    # The driver writes: it comes live on the page's one stream (the fleet's, with the chat).
    said = api.post(
        "/api/v1/driver/messages",
        json=out.action(body="Gate code does not work"),
        headers=out.headers,
    )
    assert said.status_code == 201, said.text
    expect(page.locator("#chat")).to_contain_text("Gate code does not work")

    moving.get_by_role("button").click()  # picked again: nobody picked
    expect(page.locator("#map")).to_have_attribute("data-highlighted", "")
    expect(page.locator("#chat-box")).to_be_hidden()
    expect(legend.and_(page.locator(".faded"))).to_have_count(0)
    # One connection for the fleet and the chat: a browser opens six at most to a server.
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/stream/" in r.url else None)
    page.reload()
    expect(page.locator("#live")).to_have_text("live")
    assert [url.split("/api/v1/")[1] for url in streams] == ["stream/fleet?chat=true"]
    assert board.errors == []
    api.close()
