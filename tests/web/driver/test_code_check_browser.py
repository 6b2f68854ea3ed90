"""The delivery code in the driver app, offline, in real headless Chromium on a phone viewport:
a wrong code is never shown as verified, and a code the server refuses on replay names the
stop, takes the delivery back and alerts the dispatcher."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from testkit.browser import PHONE, LiveServer
from tests.common import OrgHandle, make_org
from tests.driver_app import STOPS, DriverDay, make_driver_day, set_rules
from tests.driver_proof_browser import SYNC_MS, camera_photo, draw_signature, route_started

from lastmile.alerts.models import Alert
from lastmile.pod.current import delivery_code

NO_WEBCRYPTO = "Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined });"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": STOPS[0][0], "longitude": STOPS[0][1], "accuracy": 8},
        permissions=["geolocation"],
    )
    yield context
    context.close()


def _seeded(live_server: LiveServer) -> tuple[OrgHandle, DriverDay]:
    org = make_org(live_server.db, "Code check org")
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        set_rules(client, org, code=True)
        day = make_driver_day(client, live_server.db, org, cod_on=None)
    return org, day


def _at_first_stop_offline(page: Page, url: str, day: DriverDay) -> None:
    """Signed in, route started (online: the codes are issued), then offline at stop 1."""
    route_started(page, url, day)
    expect(page.locator("#queue")).to_have_attribute("data-actions", "0", timeout=SYNC_MS)
    page.context.set_offline(True)
    page.locator("#stops li").first.locator("button").click()
    page.locator("#stop-arrive").click()


def _code(live_server: LiveServer, org: OrgHandle, day: DriverDay) -> str:
    with live_server.db.session() as session:
        code = delivery_code(session, org_id=org.org_id, shipment_id=uuid.UUID(day.shipment_ids[0]))
    assert code is not None
    return code


def _wrong_code_typed_offline(
    context: BrowserContext, live_server: LiveServer
) -> tuple[OrgHandle, DriverDay, Page, str]:
    """At stop 1, offline, a wrong code typed and checked; returns the right one."""
    org, day = _seeded(live_server)
    page = context.new_page()
    _at_first_stop_offline(page, live_server.url, day)
    code = _code(live_server, org, day)
    page.locator("#code-input").fill("000000" if code != "000000" else "111111")
    page.locator("#code-save").click()
    return org, day, page, code


def test_offline_a_wrong_code_is_refused_on_the_phone_and_the_right_one_verified(
    context: BrowserContext, live_server: LiveServer
) -> None:
    _, _, page, code = _wrong_code_typed_offline(context, live_server)
    expect(page.locator("#code-state")).to_have_text(
        "That is not this delivery's code: 4 tries left."
    )
    expect(page.locator("#proof-code")).not_to_have_class("proof ok")
    expect(page.locator("#stop-missing")).to_have_text("Still needed: code")
    expect(page.locator("#stop-deliver")).to_be_disabled()
    expect(page.locator("#queue")).to_have_attribute("data-actions", "1")  # the arrival only

    page.locator("#code-input").fill(code)
    page.locator("#code-save").click()
    expect(page.locator("#code-state")).to_have_text("Code verified.")
    expect(page.locator("#stop-missing")).to_have_text("Ready to deliver.")
    expect(page.locator("#stop-deliver")).to_be_enabled()


def test_without_webcrypto_a_code_the_server_refuses_names_the_stop_and_alerts(
    context: BrowserContext, live_server: LiveServer
) -> None:
    context.add_init_script(NO_WEBCRYPTO)
    org, day, page, _ = _wrong_code_typed_offline(context, live_server)
    expect(page.locator("#code-state")).to_have_text(
        "Code not verifiable offline: take a photo and a signature."
    )
    expect(page.locator("#stop-missing")).to_have_text(
        "Still needed: photo (code not verifiable offline), signature (code not verifiable offline)"
    )
    page.locator("#photo-input").set_input_files(camera_photo())
    draw_signature(page)
    expect(page.locator("#stop-missing")).to_have_text("Ready to deliver.")
    page.locator("#stop-deliver").click()
    expect(page.locator("#route-progress")).to_have_text("1 of 3 done · 2 remaining")

    page.context.set_offline(False)
    problems = page.locator("#problems")
    expect(problems).to_contain_text("Stop 1 · ", timeout=SYNC_MS)
    expect(problems).to_contain_text("Street 0: the server refused the delivery code")
    expect(problems).to_contain_text(
        "Street 0: the delivery was not recorded because its code was refused"
    )
    expect(problems).not_to_contain_text(day.stop_ids[0])
    expect(page.locator("#route-progress")).to_have_text(
        "0 of 3 done · 3 remaining", timeout=SYNC_MS
    )
    with live_server.db.session() as session:
        alert = session.scalars(select(Alert).where(Alert.org_id == org.org_id)).one()
    assert alert.kind == "delivery_code_refused"
    assert day.tracking_numbers[0] in alert.title
    assert "Driver DRV-1" in alert.title


def test_a_refused_code_reads_as_sentences_naming_the_stop(
    context: BrowserContext, live_server: LiveServer
) -> None:
    context.add_init_script(NO_WEBCRYPTO)
    _, day = _seeded(live_server)
    page = context.new_page()
    route_started(page, live_server.url, day)
    page.locator("#stops li").first.locator("button").click()
    page.locator("#stop-arrive").click()
    page.locator("#code-input").fill("12345x")
    page.locator("#code-save").click()
    expect(page.locator("#problems")).to_have_text(
        "Stop 1 · Aino Virtanen, Street 0: the server refused the delivery code. "
        "The delivery code is not this delivery's code (4 attempts left). "
        "The dispatcher has been told.",
        timeout=SYNC_MS,
    )
