"""The driver app in real headless Chromium shows each open stop's live ETA (the one the Control
Tower and the tracking page show) beside its planned time, in the hub's time zone, and follows
it when it changes."""

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select
from testkit.browser import PHONE, LiveServer
from tests.common import make_org
from tests.driver_app import DriverDay, make_driver_day
from tests.driver_browser import on_route

from lastmile.db import Database
from lastmile.dispatch.models import RouteStop
from lastmile.eta.models import StopEtaRow

HELSINKI = ZoneInfo("Europe/Helsinki")  # the hub's zone in testkit.bodies.hub_body


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # No position and a phone set to another zone: no fix recomputes the ETAs this test sets,
    # and the times shown must still be the hub's.
    context = browser.new_context(viewport=PHONE, timezone_id="America/New_York", locale="en-US")
    yield context
    context.close()


def _clock(moment: datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%H:%M")


def _set_etas(db: Database, day: DriverDay, late: timedelta) -> list[tuple[datetime, datetime]]:
    """Each stop's latest ETA `late` after its plan; (planned, eta) per stop."""
    out = []
    # A write transaction from the start: the server writes too (its own ETAs after the start),
    # and on SQLite a read that turns into a write after another commit fails at once.
    with db.session(writes=True) as session:
        for stop_id in day.stop_ids:
            stop = session.scalars(
                select(RouteStop).where(RouteStop.id == uuid.UUID(stop_id))
            ).one()
            eta = stop.planned_arrival + late
            session.merge(
                StopEtaRow(
                    org_id=stop.org_id,
                    stop_id=stop.id,
                    route_id=stop.route_id,
                    shipment_id=stop.shipment_id,
                    eta=eta,
                    window_start=eta - timedelta(minutes=6),
                    window_end=eta + timedelta(minutes=8),
                    stops_away=stop.sequence,
                    computed_at=stop.planned_arrival,
                    gps_age_s=None,
                )
            )
            out.append((stop.planned_arrival, eta))
        session.commit()
    return out


def test_the_stop_list_shows_the_live_eta_beside_the_plan_and_follows_it(
    context: BrowserContext, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Live ETA")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = make_driver_day(api, live_server.db, org, cod_on=None)
        started = api.post(f"/api/v1/routes/{day.route_id}/start", json={})
        assert started.status_code == 200, started.text
    times = _set_etas(live_server.db, day, timedelta(minutes=13))
    page = context.new_page()
    on_route(page, live_server.url, day)

    stops = page.locator("#stops li")
    for index, (planned, eta) in enumerate(times):
        expect(stops.nth(index)).to_contain_text(f"ETA {_clock(eta)} (planned {_clock(planned)})")

    later = _set_etas(live_server.db, day, timedelta(minutes=19))
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    planned, eta = later[1]
    expect(stops.nth(1)).to_contain_text(f"ETA {_clock(eta)} (planned {_clock(planned)})")

    stops.nth(1).locator("button.stop-open").click()
    expect(page.locator("#stop-facts")).to_contain_text(f"ETA {_clock(eta)}")
