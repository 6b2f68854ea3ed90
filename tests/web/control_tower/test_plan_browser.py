"""Planning a day from the Control Tower in real headless Chromium: plan, see the draft, commit,
see the day's routes, start one; and an API refusal shown in plain words."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from testkit.bodies import hub_body, shipment_body
from testkit.browser import LiveServer, screenshot, sign_in
from tests.common import DISPATCHER_PASSWORD, make_dispatcher, make_org

from lastmile.dispatch.models import Plan, PlanStatus, Route, RouteStatus
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status

ZONE = ZoneInfo("Europe/Helsinki")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _today() -> date:
    return datetime.now(ZONE).date()


def _seed(live_server: LiveServer) -> tuple[uuid.UUID, httpx.Client, list[str]]:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    api = httpx.Client(base_url=live_server.url, headers=org.headers)
    # Open today only, so planning tomorrow is a refusal the page must explain.
    hours = {DAYS[_today().weekday()]: [["07:00", "21:00"]]}
    hub = api.post("/api/v1/hubs", json=hub_body(opening_hours=hours))
    assert hub.status_code == 201, hub.text
    for i, name in enumerate(("Mikko", "Aino")):
        driver = api.post("/api/v1/drivers", json={"name": name, "device_ids": [f"ph-{i}"]})
        assert driver.status_code == 201, driver.text
        vehicle = api.post(
            "/api/v1/vehicles",
            json={"plate": f"VAN-{i}", "capacity_kg": 200, "capacity_parcels": 30},
        )
        assert vehicle.status_code == 201, vehicle.text
    today = _today().isoformat()
    numbers = []
    for i in range(8):
        address = (
            {"text": "Somewhere, no coordinates"}
            if i == 7
            else {"text": f"Street {i}", "lat": 60.16 + 0.004 * (i % 4), "lon": 24.92 + 0.005 * i}
        )
        body = shipment_body(
            hub_id=hub.json()["id"],
            reference=f"ORD-{i}",
            address=address,
            window={"start": f"{today}T09:00:00+02:00", "end": f"{today}T17:00:00+02:00"},
            delivery_date=today,
        )
        created = api.post("/api/v1/shipments", json=body)
        assert created.status_code == 201, created.text
        numbers.append(created.json()["tracking_number"])
    return org.org_id, api, numbers


def _open_plan(page: Page, url: str) -> None:
    sign_in(page, url, email="dana@example.com", password=DISPATCHER_PASSWORD)
    page.get_by_role("tab", name="Plan").click()
    expect(page.locator("#plan-drivers input:checked")).to_have_count(2)


def test_a_dispatcher_plans_commits_and_starts_the_day(
    browser: Browser, live_server: LiveServer
) -> None:
    org_id, api, numbers = _seed(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _open_plan(page, live_server.url)
    expect(page.locator("#plan-form").get_by_label("Hub")).to_contain_text("Helsinki hub")
    expect(page.locator("#plan-form").get_by_label("Date")).to_have_value(_today().isoformat())
    waiting = page.locator("#unplanned li")
    expect(waiting).to_have_count(8)  # no plan yet: every order of the day waits for one
    expect(page.locator("#unplanned-count")).to_have_text("(8)")
    expect(waiting.first).to_contain_text("the next plan will try it")
    page.locator("#plan-form").get_by_label("Date").fill((_today() + timedelta(days=1)).isoformat())
    page.locator("#plan-form").get_by_role("button", name="Plan").click()
    problem = page.locator("#plan-error")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Date: ")
    expect(problem).to_contain_text("closed")

    page.locator("#plan-form").get_by_label("Date").fill(_today().isoformat())
    page.locator("#plan-form").get_by_role("button", name="Plan").click()
    expect(problem).to_be_hidden()

    expect(page.locator("#plan-result[data-status='draft']")).to_have_count(1, timeout=30_000)
    routes = page.locator("#plan-routes li")
    expect(routes.first).to_contain_text("stops")
    expect(routes.first).to_contain_text("km")
    unplanned = page.locator("#plan-unassigned li")
    expect(unplanned).to_have_count(1)
    expect(unplanned).to_contain_text(numbers[7])
    expect(unplanned).to_contain_text("no location")
    expect(page.locator("#plan-summary")).to_contain_text("7 stops, 1 not planned")
    screenshot(page, "control-tower-plan")
    planned = routes.count()
    assert planned >= 1

    with live_server.db.session() as session:
        assert session.scalars(select(Route).where(Route.org_id == org_id)).all() == []
    page.get_by_role("button", name="Commit").click()
    expect(page.locator("#plan-status")).to_contain_text("Committed")
    expect(waiting).to_have_count(1)  # what the committed plan left out, and why
    expect(waiting).to_have_attribute("data-tracking", numbers[7])
    expect(waiting).to_contain_text("Left out: its address has no position yet: fix the address")
    day = page.locator("#day-routes li[data-status='planned']")
    expect(day).to_have_count(planned)
    with live_server.db.session() as session:
        stored = session.scalars(select(Route).where(Route.org_id == org_id)).all()
        assert len(stored) == planned
        assert {p.status for p in session.scalars(select(Plan))} == {PlanStatus.COMMITTED}
        assigned = session.scalars(select(Shipment).where(Shipment.driver_id.is_not(None))).all()
        assert sorted(s.tracking_number for s in assigned) == sorted(numbers[:7])

    first = day.first
    route_id = first.get_attribute("data-route")
    first.get_by_role("button", name="Start").click()
    expect(page.locator(f"#day-routes li[data-route='{route_id}']")).to_have_attribute(
        "data-status", "in_progress"
    )
    with live_server.db.session() as session:
        route = session.get(Route, uuid.UUID(str(route_id)))
        assert route is not None
        assert route.status is RouteStatus.IN_PROGRESS
        assert route.started_at is not None
        assert route.started_at <= datetime.now(UTC)
        out = session.scalars(select(Shipment).where(Shipment.driver_id == route.driver_id)).all()
        assert out
        assert {s.status for s in out} == {Status.OUT_FOR_DELIVERY}

    assert errors == []
    context.close()
    api.close()


def test_a_draft_can_be_discarded(browser: Browser, live_server: LiveServer) -> None:
    org_id, api, _ = _seed(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _open_plan(page, live_server.url)
    page.locator("#plan-drivers input").first.uncheck()
    page.locator("#plan-form").get_by_role("button", name="Plan").click()
    expect(page.locator("#plan-routes li")).to_have_count(1, timeout=30_000)
    page.get_by_role("button", name="Discard").click()
    expect(page.locator("#plan-status")).to_contain_text("discarded")
    with live_server.db.session() as session:
        [plan] = session.scalars(select(Plan).where(Plan.org_id == org_id)).all()
        assert plan.status is PlanStatus.DISCARDED
        assert len(plan.result["routes"]) == 1
        assert session.scalars(select(Route)).all() == []
    context.close()
    api.close()
