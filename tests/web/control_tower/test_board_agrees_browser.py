"""The Control Tower in real headless Chromium tells the same story as the API: deliveries
reported by the driver app and by an integrator through the events API both count."""

from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer
from tests.web.control_tower.board import driver_on_route, open_board


def test_the_board_counts_every_delivery_the_api_counts(
    browser: Browser, live_server: LiveServer
) -> None:
    scene = driver_on_route(live_server)
    api, day = scene.api, scene.day

    in_app = api.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/deliver", json=day.action(), headers=day.headers
    )
    assert in_app.status_code == 200, in_app.text
    by_integrator = api.post(
        f"/api/v1/shipments/{day.tracking_numbers[1]}/events", json={"status": "delivered"}
    )
    assert by_integrator.status_code == 201, by_integrator.text

    delivered = api.get("/api/v1/shipments", params={"status": "delivered"}).json()["items"]
    assert len(delivered) == 2

    board = open_board(browser, live_server)
    expect(board.page.locator("[data-kpi='delivered']")).to_have_text(str(len(delivered)))
    expect(board.page.locator("[data-kpi='remaining']")).to_have_text("1")
    assert board.errors == []
    board.page.close()
    api.close()
