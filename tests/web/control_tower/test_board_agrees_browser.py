"""The Control Tower in real headless Chromium tells the same story as the API: deliveries
reported by the driver app and by an integrator through the events API both count."""

import httpx
from playwright.sync_api import Browser, expect
from testkit.browser import LiveServer, sign_in
from tests.common import DISPATCHER_PASSWORD, make_dispatcher, make_org
from tests.driver_app import make_driver_day
from tests.driver_app import sign_in as driver_sign_in


def test_the_board_counts_every_delivery_the_api_counts(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    api = httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30)
    day = driver_sign_in(api, make_driver_day(api, live_server.db, org, cod_on=None))
    shift = day.action(vehicle_id=day.vehicle_id)
    assert api.post("/api/v1/driver/shift/start", json=shift, headers=day.headers).is_success
    assert api.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers).is_success

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

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, email="dana@example.com", password=DISPATCHER_PASSWORD)
    expect(page.locator("[data-kpi='delivered']")).to_have_text(str(len(delivered)))
    expect(page.locator("[data-kpi='remaining']")).to_have_text("1")
    assert errors == []
    page.close()
    api.close()
