"""In real headless Chromium: the customer writes on the tracking page, the driver app shows it
on the stop and answers with a quick reply, the tracking page shows the answer, live, and the
dispatcher reads the exchange in the Control Tower."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select, update
from testkit.browser import PHONE, LiveServer, sign_in
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, make_dispatcher, make_org
from tests.driver_app import make_driver_day
from tests.driver_browser import on_route
from tests.driver_proof_browser import SYNC_MS

from lastmile.contact.models import CustomerMessage
from lastmile.shipments.models import Shipment

LIVE_MS = 30_000


@pytest.fixture
def contexts(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    driver = browser.new_context(viewport=PHONE)
    customer = browser.new_context(viewport=PHONE)
    yield driver, customer
    driver.close()
    customer.close()


def test_customer_and_driver_talk_through_the_page_and_the_app(
    contexts: tuple[BrowserContext, BrowserContext], live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Thread")
    with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as api:
        day = make_driver_day(api, live_server.db, org, cod_on=None)
        started = api.post(f"/api/v1/routes/{day.route_id}/start", json={})
        assert started.status_code == 200, started.text
        number = day.tracking_numbers[0]
        link = api.get(f"/api/v1/shipments/{number}").json()["tracking_url"]
    with live_server.db.session(writes=True) as session:
        session.execute(
            update(Shipment)
            .where(Shipment.id == uuid.UUID(day.shipment_ids[0]))
            .values(driver_id=uuid.UUID(day.driver_id))
        )
        session.commit()
    driver_context, customer_context = contexts

    app = driver_context.new_page()
    on_route(app, live_server.url, day)
    app.locator("#stops li").first.locator("button.stop-open").click()
    thread = app.locator("#customer-thread")
    expect(thread).to_have_attribute("data-open", "yes", timeout=SYNC_MS)

    page = customer_context.new_page()
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("data-live", "connected", timeout=LIVE_MS)
    page.locator("#thread-body").fill("Please ring the bell twice")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread-messages li").last).to_contain_text("You")
    expect(page.locator("#thread-messages li").last).to_contain_text("Please ring the bell twice")

    asked = app.locator("#customer-messages li").filter(has_text="Please ring the bell twice")
    expect(asked).to_contain_text("Customer", timeout=LIVE_MS)
    app.get_by_role("button", name="I'm at the door").click()
    expect(app.locator("#customer-messages li").last).to_contain_text("You", timeout=SYNC_MS)

    answer = page.locator("#thread-messages li").filter(has_text="I'm at the door")
    expect(answer).to_contain_text("Your driver Driver", timeout=LIVE_MS)
    assert day.phone not in page.content()

    # Offline the reply waits in the outbox; back online it is sent, and shown, once.
    driver_context.set_offline(True)
    expect(app.locator("#net")).to_have_text("Offline")
    app.get_by_role("button", name="I can't find the entrance").click()
    expect(app.locator("#customer-messages li.pending")).to_contain_text("waiting to send")
    expect(app.locator("#queue")).to_have_attribute("data-actions", "1")
    driver_context.set_offline(False)
    expect(app.locator("#queue")).to_have_attribute("data-actions", "0", timeout=SYNC_MS)
    late = page.locator("#thread-messages li").filter(has_text="I can't find the entrance")
    expect(late).to_have_count(1, timeout=LIVE_MS)
    expect(app.locator("#customer-messages li.pending")).to_have_count(0)
    with live_server.db.session() as session:
        bodies = session.scalars(select(CustomerMessage.body)).all()
    assert sorted(bodies) == sorted(
        ["Please ring the bell twice", "I'm at the door", "I can't find the entrance"]
    )

    make_dispatcher(live_server.db, org)  # the dispatcher reads both beside the driver's chat
    tower = customer_context.new_page()
    sign_in(tower, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
    tower.get_by_role("tab", name="Driver").click()
    tower.locator("#driver-pick").select_option(day.driver_id)
    lines = tower.locator("#customer-chat li")
    expect(lines).to_have_count(3, timeout=LIVE_MS)
    expect(lines.first).to_contain_text(f"{number} Customer Please ring the bell twice")
    expect(lines.nth(1)).to_contain_text(f"{number} Driver Driver I'm at the door")
