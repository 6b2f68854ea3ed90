"""The Control Tower in real headless Chromium says where a parcel is when the dispatcher
moves its stop off a van already out (QA: nothing warned that it was in the other van)."""

from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer
from tests.driver_app import planned_route_beside
from tests.web.control_tower.board import driver_on_route, open_board


def test_moving_a_stop_off_a_van_under_way_says_to_arrange_the_hand_over(
    browser: Browser, live_server: LiveServer
) -> None:
    scene = driver_on_route(live_server)
    api, day = scene.api, scene.day
    planned_route_beside(
        api, live_server.db, scene.org, day.route_id, name="Aino", phone="+358409998887"
    )
    board = open_board(browser, live_server)
    page = board.page
    page.get_by_role("tab", name="Driver").click()
    page.get_by_label("Choose a driver").select_option(day.driver_id)
    last = page.locator(f'#driver-stops li[data-stop="{day.stop_ids[2]}"]')
    expect(page.locator("#driver-warning")).to_be_hidden()

    last.locator("select").select_option(label="Aino")

    expect(page.locator("#driver-warning")).to_have_text(
        f"This parcel ({day.tracking_numbers[2]}) may be in Driver DRV-1's van:"
        " arrange the hand-over to Aino."
    )
    expect(page.locator(f'#driver-stops li[data-stop="{day.stop_ids[2]}"]')).to_have_count(0)
    assert board.errors == []
    page.close()
    api.close()
