"""The Control Tower in real headless Chromium keeps up with the driver app: a stop's change
reaches the header and the driver panel within seconds (not at the next 30 s refresh), the
header counts failed stops, closed stops say when, and a refresh leaves the dispatcher's tab."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer
from tests.driver_app import DriverDay
from tests.web.control_tower.board import dispatcher_org, driver_on_route, open_board

from lastmile.bus.base import fleet_channel

# Well under the page's 30 s refresh: only the pushed stop change can meet it.
PUSHED_MS = 10_000
HUB_ZONE = ZoneInfo("Europe/Helsinki")  # testkit's hub


def _hub_clock(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(HUB_ZONE).strftime("%H:%M")


def _act(api: httpx.Client, day: DriverDay, stop_id: str, kind: str, **fields: str) -> str:
    """A driver-app action on a stop; the phone's time it carried."""
    action = day.action(**fields)
    response = api.post(f"/api/v1/driver/stops/{stop_id}/{kind}", json=action, headers=day.headers)
    assert response.status_code == 200, response.text
    return str(action["at"])


def test_stop_changes_reach_the_header_and_the_panel_without_moving_the_tab(
    browser: Browser, live_server: LiveServer
) -> None:
    scene = driver_on_route(live_server)
    api, day = scene.api, scene.day
    first, second, _ = day.stop_ids

    board = open_board(browser, live_server)
    page = board.page
    for name, value in (("delivered", "0"), ("failed", "0"), ("remaining", "3")):
        expect(page.locator(f"[data-kpi='{name}']")).to_have_text(value)
    page.get_by_role("tab", name="Driver").click()
    page.get_by_label("Choose a driver").select_option(day.driver_id)
    panel = page.locator("#driver-stops")
    # An open stop's time at the hub's 24-hour clock, as the driver app and tracking page say it.
    open_stop = re.compile(r"^pending · (ETA|planned) \d\d:\d\d$")
    expect(panel.locator(f"li[data-stop='{first}'] .state")).to_have_text(open_stop)

    arrived_at = _act(api, day, first, "arrive")
    expect(panel.locator(f"li[data-stop='{first}'] .state")).to_have_text(
        f"arrived {_hub_clock(arrived_at)}", timeout=PUSHED_MS
    )
    delivered_at = _act(api, day, first, "deliver")
    expect(page.locator("[data-kpi='delivered']")).to_have_text("1", timeout=PUSHED_MS)
    expect(panel.locator(f"li[data-stop='{first}'] .state")).to_have_text(
        f"delivered {_hub_clock(delivered_at)}"
    )

    # The dispatcher moves on to the orders; the next re-read of the board leaves them there.
    page.get_by_role("tab", name="Orders").click()
    failed_at = _act(api, day, second, "fail", reason="not_home")
    expect(page.locator("[data-kpi='failed']")).to_have_text("1", timeout=PUSHED_MS)
    expect(page.locator("[data-kpi='remaining']")).to_have_text("1")
    expect(page.locator("[data-tab='orders']")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-orders")).to_be_visible()
    expect(page.locator("#tab-driver")).to_be_hidden()

    page.get_by_role("tab", name="Driver").click()
    expect(panel.locator(f"li[data-stop='{second}'] .state")).to_have_text(
        f"attempted {_hub_clock(failed_at)}"
    )
    kpis = api.get("/api/v1/control-tower/board").json()["kpis"]
    shown = [
        int(page.locator(f"[data-kpi='{name}']").inner_text())
        for name in ("delivered", "failed", "remaining")
    ]
    assert shown == [kpis["delivered"], kpis["failed"], kpis["remaining"]]
    assert sum(shown) == kpis["stops_total"] == 3
    assert board.errors == []
    page.close()
    api.close()


def test_a_burst_of_stop_changes_costs_one_board_read(
    browser: Browser, live_server: LiveServer
) -> None:
    org = dispatcher_org(live_server)
    page = open_board(browser, live_server).page
    expect(page.locator("[data-kpi='remaining']")).to_have_text("0")
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if "/control-tower/board" in r.url else None)

    def stop_changed(count: int) -> None:
        with page.expect_request("**/api/v1/control-tower/board", timeout=PUSHED_MS):
            for index in range(count):
                message = {"type": "stop", "stop_id": str(index), "status": "completed"}
                live_server.publish(fleet_channel(org.org_id), message)

    stop_changed(10)
    stop_changed(1)  # a later change is heard again: the burst's wait is over
    assert len(reads) == 2
    page.close()
