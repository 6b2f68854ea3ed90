"""The driver's map in real headless Chromium when the tile server cannot be reached: our own
road layer from the imported map is drawn on a canvas under the route."""

import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from testkit.browser import PHONE, LiveServer, screenshot, wait_until
from testkit.servers import free_port
from tests.common import make_org
from tests.driver_app import PIN, make_driver_day

MONACO_STOPS = [(43.7384, 7.4246), (43.7336, 7.4197), (43.7400, 7.4280)]


@pytest.fixture
def unreachable_tiles(live_server: LiveServer, monaco_tiles: Path) -> str:
    """The live server with Monaco imported and a tile URL on a port nobody listens on."""
    shutil.copytree(monaco_tiles.parent, live_server.settings.data_dir / "maps" / "monaco")
    url = f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png"
    live_server.settings.map_name = "monaco"
    live_server.settings.map_tile_url = url
    return url


INKED = """() => {
  const canvas = document.querySelector('#map .leaflet-roads-pane canvas');
  if (!canvas || !canvas.width) return false;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked += 1;
  return inked > 2000;
}"""
"""More than 2,000 painted pixels on the road layer's canvas."""


def test_with_no_tile_server_the_driver_map_draws_our_roads(
    browser: Browser, live_server: LiveServer, unreachable_tiles: str
) -> None:
    org = make_org(live_server.db, "Monaco deliveries")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        day = make_driver_day(client, live_server.db, org, places=MONACO_STOPS)
    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": 43.7370, "longitude": 7.4230, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    tile_requests: list[str] = []
    roads: list[int] = []
    page.on("request", lambda r: tile_requests.append(r.url) if r.url.endswith(".png") else None)
    page.on("response", lambda r: roads.append(r.status) if "/api/v1/map/roads" in r.url else None)
    page.goto(f"{live_server.url}/driver/")
    page.locator("#signin-phone").fill(day.phone)
    page.locator("#signin-pin").fill(PIN)
    page.locator("#signin-form button[type=submit]").click()
    page.locator("#shift-odometer").fill("10")
    page.locator("#shift-form button[type=submit]").click()
    expect(page.locator("#view-route")).to_be_visible()

    map_node = page.locator("#map")
    expect(map_node).to_have_attribute("data-base-layer", "roads", timeout=15_000)
    expect(map_node).to_have_attribute("data-roads-loaded", "1", timeout=15_000)
    assert any(url.startswith(unreachable_tiles.split("{")[0]) for url in tile_requests)
    assert roads
    assert set(roads) == {200}
    expect(page.locator("#map .leaflet-roads-pane canvas")).to_have_count(1)
    wait_until(page, INKED, timeout_ms=10_000)
    expect(page.locator("#map .leaflet-marker-icon")).to_have_count(3)
    screenshot(page, "driver-map-own-roads")

    page.locator("#map .leaflet-control-zoom-out").click()
    expect(map_node).to_have_attribute("data-roads-loaded", "2", timeout=15_000)
    assert set(roads) == {200}
    context.close()
