"""The tracking page in real headless Chromium: without JavaScript, and live with it."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect
from testkit.browser import PHONE, LiveServer, screenshot
from tests.common import OrgHandle, make_org
from tests.web.tracking.scenario import RouteScenario, route_in_progress, stop_location

from lastmile.bus.base import driver_channel, shipment_channel
from lastmile.db.contention import writing
from lastmile.shipments.models import Shipment


@dataclass
class Seeded:
    scenario: RouteScenario
    client: httpx.Client
    org: OrgHandle


@pytest.fixture
def seeded(live_server: LiveServer) -> Iterator[Seeded]:
    """A branded organisation with a route in progress, on the live server."""
    org = make_org(live_server.db, "Nopea Kuriiri")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        client.patch(
            "/api/v1/organization/settings",
            json={"brand_color": "#0b6e4f", "timezone": "Europe/Helsinki"},
            headers=org.headers,
        )
        yield Seeded(route_in_progress(client, live_server.db, org, photo_url=None), client, org)


def test_without_javascript_the_page_and_its_forms_work(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    scenario = seeded.scenario
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + scenario.path(1))
    expect(page.locator("h1#status")).to_have_text("Out for delivery")
    expect(page.locator("#timeline li")).to_have_count(2)
    expect(page.get_by_text("Order received")).to_be_visible()
    page.get_by_label("If you are not in, leave it at").select_option("reception")
    page.get_by_label("Instructions for the driver").fill("Code 1234 at the gate")
    page.get_by_role("button", name="Save instructions").click()
    expect(page.get_by_role("status")).to_contain_text("instructions are saved")
    expect(page.get_by_label("Instructions for the driver")).to_have_value("Code 1234 at the gate")
    with live_server.db.session() as session:
        row = session.get(Shipment, uuid.UUID(scenario.shipments[1]["id"]))
        assert row is not None
        assert (row.safe_place, row.instructions) == ("reception", "Code 1234 at the gate")

    page.get_by_label("If you are not in, leave it at").select_option("custom")
    page.get_by_label("Instructions for the driver").fill("")
    page.get_by_role("button", name="Save instructions").click()
    expect(page.get_by_role("alert")).to_contain_text("describe the safe place you chose")
    context.close()


def test_with_javascript_the_eta_and_the_driver_update_live(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    scenario = seeded.scenario
    # A phone set to another zone and a 12-hour clock: the page's times stay the hub's, as the
    # page says ("Times in Europe/Helsinki"), whether the server or the live update wrote them.
    start = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
    with writing(), live_server.db.session() as session:  # promised 11:10-13:10 at the hub
        row = session.get(Shipment, uuid.UUID(scenario.shipments[0]["id"]))
        assert row is not None
        row.window_start = start + timedelta(minutes=30)
        row.window_end = start + timedelta(minutes=150)
        session.commit()
    context = browser.new_context(viewport=PHONE, timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + scenario.path(0))
    expect(page.locator("#eta")).to_contain_text("ETA not yet known")
    expect(page.locator("#eta-early")).to_be_hidden()
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-live", "connected")

    live_server.publish(
        shipment_channel(scenario.shipments[0]["id"]),
        {
            "type": "eta",
            "eta": (start + timedelta(minutes=10)).isoformat(),
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(minutes=20)).isoformat(),
            "stops_away": 1,
        },
    )
    expect(page.locator("#eta-start")).to_have_text("10:40")
    expect(page.locator("#eta-end")).to_have_text("11:00")
    expect(page.locator("#eta")).to_contain_text("(you are the next stop)")
    expect(page.locator("#eta-early")).to_have_text(
        "Early: the driver may arrive before your promised window."
    )
    live_server.publish(
        shipment_channel(scenario.shipments[0]["id"]),
        {
            "type": "eta",
            "eta": (start + timedelta(minutes=25)).isoformat(),
            "window_start": (start + timedelta(minutes=15)).isoformat(),
            "window_end": (start + timedelta(minutes=35)).isoformat(),
            "stops_away": 3,
        },
    )
    expect(page.locator("#eta")).to_contain_text("(2 stops before yours)")
    expect(page.locator("#stops-away")).to_have_text("2 stops before yours.")
    expect(page.locator("#eta-early")).to_be_hidden()  # 10:55-11:15 reaches the window

    live_server.publish(
        driver_channel(scenario.driver_id),
        {
            "type": "position",
            "driver_id": str(scenario.driver_id),
            "lat": 60.1745,
            "lon": 24.948,
            "at": datetime.now(UTC).isoformat(),
            "heading_deg": 80.0,
        },
    )
    expect(page.locator("#map")).to_have_attribute("data-driver", "60.1745,24.948")
    screenshot(page, "tracking-out-for-delivery")
    context.close()


def test_after_delivery_the_feedback_form_works(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    scenario, client, org = seeded.scenario, seeded.client, seeded.org
    number = scenario.shipments[0]["tracking_number"]
    answer = client.post(
        f"/api/v1/shipments/{number}/events",
        json={"status": "delivered"},
        headers=org.headers,
    )
    assert answer.status_code == 201
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + scenario.path(0))
    expect(page.locator("h1#status")).to_have_text("Delivered")
    expect(page.locator("#map")).to_have_count(0)
    screenshot(page, "tracking-delivered")
    page.locator("label[for=rating-5]").click()
    page.get_by_label("On time").check()
    page.get_by_label("Comment (optional)").fill("Quick and friendly")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("You rated this delivery 5 out of 5")).to_be_visible()
    listed = client.get("/api/v1/feedback", headers=org.headers).json()
    assert listed["items"][0]["tags"] == ["On time"]
    context.close()


def test_with_the_driver_at_the_door_the_map_keeps_a_street_in_view_and_both_markers(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "At the door")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        scenario = route_in_progress(client, live_server.db, org, driver_at=stop_location(0))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + scenario.path(0))

    # Bounds of one point used to zoom to the last level: a 1 m scale bar, one dot.
    expect(page.locator("#map")).to_have_attribute("data-zoom", "17")
    driver, door = page.locator("#map .driver-dot"), page.locator("#map path.destination")
    expect(driver).to_be_visible()
    expect(door).to_be_visible()
    driver_box, door_box = driver.bounding_box(), door.bounding_box()
    assert driver_box is not None
    assert door_box is not None
    assert door_box["width"] > driver_box["width"] + 4  # the ring shows around the dot
    context.close()
