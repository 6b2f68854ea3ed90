"""The driver app in real headless Chromium against a live server: a driver's day, partly
offline, and the server state once it syncs (everything applied, exactly once)."""

import io
import uuid
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Geolocation,
    Page,
    Route,
    expect,
)
from sqlalchemy import func, select
from testkit.browser import PHONE, LiveServer, screenshot, wait_until
from tests.common import OrgHandle, make_org
from tests.driver_app import HUB, PIN, STOPS, DriverDay, make_driver_day, set_rules
from tests.driver_proof_browser import camera_photo, draw_signature, route_started

from lastmile.db import Database
from lastmile.dispatch.models import RouteStop
from lastmile.fleet.models import Shift
from lastmile.ingest.models import fixes
from lastmile.payments.models import CodPayment
from lastmile.pod.current import delivery_code, read_photo
from lastmile.pod.models import Proof, ProofKind
from lastmile.shipments.models import ShipmentEvent
from lastmile.shipments.status import Status

SYNC_MS = 20_000


def _code(db: Database, org: OrgHandle, shipment_id: str) -> str:
    with db.session() as session:
        code = delivery_code(session, org_id=org.org_id, shipment_id=uuid.UUID(shipment_id))
    assert code is not None
    return code


def _at(lat: float, lon: float) -> Geolocation:
    return {"latitude": lat, "longitude": lon, "accuracy": 8}


@pytest.fixture
def seeded(live_server: LiveServer) -> tuple[OrgHandle, DriverDay]:
    org = make_org(live_server.db, "Driver app org")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        set_rules(client, org, photos=1, signature=True, code=True)
        day = make_driver_day(client, live_server.db, org, cod_on=2)
    return org, day


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE,
        geolocation=_at(*HUB),
        permissions=["geolocation"],
        service_workers="allow",
    )
    yield context
    context.close()


def _queue_empty(page: Page) -> None:
    expect(page.locator("#queue")).to_have_attribute("data-actions", "0", timeout=SYNC_MS)
    expect(page.locator("#queue")).to_have_attribute("data-fixes", "0", timeout=SYNC_MS)


def _synced(page: Page, index: int, status: str) -> None:
    """The stop shows the server's state: the queue drained and the route was read again."""
    stop = page.locator("#stops li").nth(index)
    expect(stop).to_have_attribute("data-synced", "true", timeout=SYNC_MS)
    expect(stop).to_have_attribute("data-status", status)


def _deliver_with_proofs(page: Page, code: str) -> None:
    page.locator("#photo-input").set_input_files(camera_photo())
    expect(page.locator("#photo-count")).to_have_text("1 of 1")
    draw_signature(page)
    page.locator("#code-input").fill(code)
    page.locator("#code-save").click()


def test_a_driver_day_with_an_offline_stretch(
    browser: Browser,
    context: BrowserContext,
    live_server: LiveServer,
    seeded: tuple[OrgHandle, DriverDay],
) -> None:
    org, day = seeded
    db = live_server.db
    page = context.new_page()
    page.goto(f"{live_server.url}/driver/")

    expect(page.locator("#view-signin")).to_be_visible()
    page.locator("#signin-phone").fill(day.phone)
    page.locator("#signin-pin").fill(PIN)
    screenshot(page, "driver-signin")
    page.locator("#signin-form button[type=submit]").click()

    expect(page.locator("#view-shift")).to_be_visible()
    expect(page.locator("#shift-vehicle")).to_have_value(day.vehicle_id)
    page.locator("#shift-odometer").fill("1200.5")
    screenshot(page, "driver-shift")
    page.locator("#shift-form button[type=submit]").click()

    expect(page.locator("#view-route")).to_be_visible()
    expect(page.locator("#stops li")).to_have_count(3)
    expect(page.locator("#route-progress")).to_have_text("0 of 3 done · 3 remaining")
    page.locator("#route-start").click()
    expect(page.locator("#route-start")).to_be_hidden()
    expect(page.locator("#stops")).to_have_attribute("data-synced", "true", timeout=SYNC_MS)
    expect(page.locator("#stops li").first).to_contain_text("Street 0")
    expect(page.locator("#stops li").nth(2)).to_contain_text("COD €49.90")
    expect(page.locator("#map .leaflet-marker-icon")).to_have_count(3)
    expect(page.locator("#map path.path-next")).to_have_count(1)
    screenshot(page, "driver-route")

    # Stop 1: delivered with photo, signature and code; "Arrived" is suggested at the door.
    page.locator("#stops li").first.locator("button").click()
    expect(page.locator("#stop-address")).to_have_text("Street 0")
    expect(page.locator("#geofence-hint")).to_be_hidden()
    context.set_geolocation(_at(*STOPS[0]))
    expect(page.locator("#geofence-hint")).to_be_visible()
    expect(page.locator("#stop-arrive")).to_have_class("primary suggested")
    screenshot(page, "driver-stop")
    expect(page.locator("#nav-geo")).to_have_attribute(
        "href", f"geo:{STOPS[0][0]},{STOPS[0][1]}?q={STOPS[0][0]},{STOPS[0][1]}(Street%200)"
    )
    page.locator("#stop-arrive").click()
    expect(page.locator("#stop-deliver")).to_be_disabled()
    _deliver_with_proofs(page, _code(db, org, day.shipment_ids[0]))
    expect(page.locator("#stop-missing")).to_have_text("Ready to deliver.")
    screenshot(page, "driver-stop-proof")
    page.locator("#stop-deliver").click()
    expect(page.locator("#view-route")).to_be_visible()
    _synced(page, 0, "completed")

    # Stop 2: failed with a reason from the organisation's list.
    page.locator("#stops li").nth(1).locator("button").click()
    expect(page.locator("#geofence-hint")).to_be_hidden()
    page.locator("#stop-arrive").click()
    page.locator("#fail-box summary").click()
    page.locator("#fail-reason").select_option("not_home")
    page.locator("#fail-note").fill("Nobody answered the door")
    screenshot(page, "driver-stop-fail")
    page.locator("#stop-fail").click()
    expect(page.locator("#route-progress")).to_have_text("2 of 3 done · 1 remaining")
    _synced(page, 1, "failed")
    _queue_empty(page)

    # The service worker controls the page before the network goes away.
    wait_until(page, "() => navigator.serviceWorker.controller !== null")

    # Offline: drive to stop 3 (fixes buffered), reload the app, deliver with payment.
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")
    code_3 = _code(db, org, day.shipment_ids[2])
    buffered = 0
    for step in (0.25, 0.5, 0.75, 1.0):
        lat = STOPS[1][0] + (STOPS[2][0] - STOPS[1][0]) * step
        lon = STOPS[1][1] + (STOPS[2][1] - STOPS[1][1]) * step
        context.set_geolocation(_at(lat, lon))
        wait_until(
            page, "(n) => Number(document.querySelector('#queue').dataset.fixes) > n", buffered
        )
        buffered = int(page.locator("#queue").get_attribute("data-fixes") or 0)
    assert buffered >= 4

    page.reload()  # offline: the service worker serves the app, which boots from its own store
    expect(page.locator("#view-route")).to_be_visible(timeout=20_000)
    wait_until(
        page,
        "(n) => Number(document.querySelector('#queue').dataset.fixes) >= n",
        buffered,
        timeout_ms=5_000,
    )
    page.locator("#stops li").nth(2).locator("button").click()
    expect(page.locator("#geofence-hint")).to_be_visible()
    page.locator("#stop-arrive").click()
    _deliver_with_proofs(page, code_3)
    page.locator("#cod-method").select_option("cash")
    page.locator("#cod-save").click()
    expect(page.locator("#stop-missing")).to_have_text("Ready to deliver.")
    page.locator("#stop-deliver").click()
    expect(page.locator("#route-progress")).to_have_text("3 of 3 done · 0 remaining")
    expect(page.locator("#queue")).to_have_attribute("data-actions", "6")
    screenshot(page, "driver-offline")

    with db.session() as session:
        third = session.get(RouteStop, uuid.UUID(day.stop_ids[2]))
        assert third is not None
        assert third.status == "pending"

    # Back online: the queue drains in order; end the shift and see the cash to hand over.
    context.set_offline(False)
    _synced(page, 2, "completed")
    _queue_empty(page)
    page.locator("#open-end").click()
    page.locator("#end-form button[type=submit]").click()
    expect(page.locator("#cash-total")).to_have_attribute("data-confirmed", "true")
    expect(page.locator("#cash-total")).to_have_text("€49.90")
    _queue_empty(page)
    screenshot(page, "driver-cash")
    recorded = int(page.locator("#queue").get_attribute("data-recorded") or 0)

    with db.session() as session:
        stops = [session.get(RouteStop, uuid.UUID(i)) for i in day.stop_ids]
        assert [s.status if s else None for s in stops] == ["completed", "failed", "completed"]
        assert stops[1] is not None
        assert stops[1].failure_reason == "not_home"
        for index in (0, 2):
            kinds = session.scalars(
                select(Proof.kind).where(Proof.stop_id == uuid.UUID(day.stop_ids[index]))
            ).all()
            assert sorted(kinds) == sorted([ProofKind.PHOTO, ProofKind.SIGNATURE, ProofKind.CODE])
        photo = session.scalars(
            select(Proof).where(
                Proof.stop_id == uuid.UUID(day.stop_ids[2]), Proof.kind == ProofKind.PHOTO
            )
        ).one()
        payments = session.scalars(select(CodPayment)).all()
        assert [(p.amount, p.method) for p in payments] == [(Decimal("49.90"), "cash")]
        for shipment_id in day.shipment_ids:
            delivered = session.scalar(
                select(func.count())
                .select_from(ShipmentEvent)
                .where(
                    ShipmentEvent.shipment_id == uuid.UUID(shipment_id),
                    ShipmentEvent.status.in_([Status.DELIVERED, Status.ATTEMPTED]),
                )
            )
            assert delivered == 1
        stored_fixes = session.scalar(
            select(func.count())
            .select_from(fixes)
            .where(fixes.c.driver_id == uuid.UUID(day.driver_id))
        )
    assert photo.blob_key is not None
    assert photo.lat == pytest.approx(STOPS[2][0], abs=1e-6)
    assert photo.lon == pytest.approx(STOPS[2][1], abs=1e-6)
    with Image.open(io.BytesIO(read_photo(live_server.settings, photo.blob_key))) as image:
        assert max(image.size) == 1600
    assert recorded >= buffered
    assert stored_fixes == recorded


def test_a_dispatcher_link_signs_in_and_chat_is_live_both_ways(
    context: BrowserContext, live_server: LiveServer, seeded: tuple[OrgHandle, DriverDay]
) -> None:
    org, day = seeded
    with httpx.Client(base_url=live_server.url, timeout=10, headers=org.headers) as staff:
        link = staff.post(f"/api/v1/drivers/{day.driver_id}/signin-links")
        assert link.status_code == 201, link.text
        page = context.new_page()
        page.goto(link.json()["url"])

        expect(page.locator("#view-shift")).to_be_visible()
        assert "link=" not in page.url
        expect(page.locator("#shift-hello")).to_have_text("Hello, Driver DRV-1.")
        page.locator("#shift-vehicle").select_option("")
        page.locator("#shift-form button[type=submit]").click()
        expect(page.locator("#stops li")).to_have_count(3)

        page.locator("#open-chat").click()
        page.locator("#quick-replies button", has_text="On my way").click()
        expect(page.locator("#messages .msg.driver")).to_have_count(1)
        expect(page.locator("#messages .msg.driver:not(.pending)")).to_contain_text("On my way")
        thread = staff.get(f"/api/v1/drivers/{day.driver_id}/messages").json()
        assert [(m["sender"], m["body"]) for m in thread] == [("driver", "On my way")]

        sent = staff.post(
            f"/api/v1/drivers/{day.driver_id}/messages", json={"body": "Gate code is 1234"}
        )
        assert sent.status_code == 201, sent.text
        expect(page.locator("#messages .msg.dispatcher")).to_contain_text("Gate code is 1234")
        screenshot(page, "driver-chat")

    with live_server.db.session() as session:
        shift_vehicle = session.scalar(
            select(Shift.vehicle_id).where(Shift.driver_id == uuid.UUID(day.driver_id))
        )
    assert shift_vehicle is None


def test_a_used_link_is_refused_on_the_sign_in_screen(
    context: BrowserContext, live_server: LiveServer, seeded: tuple[OrgHandle, DriverDay]
) -> None:
    org, day = seeded
    with httpx.Client(base_url=live_server.url, timeout=10, headers=org.headers) as staff:
        url = staff.post(f"/api/v1/drivers/{day.driver_id}/signin-links").json()["url"]
    token = url.split("#link=")[1]
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        used = client.post("/api/v1/driver/session/link", json={"token": token})
        assert used.status_code == 201, used.text
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#view-signin")).to_be_visible()
    expect(page.locator("#signin-error")).to_contain_text("expired or was already used")


def test_the_app_opens_with_no_network_once_installed(
    context: BrowserContext, live_server: LiveServer
) -> None:
    page = context.new_page()
    page.goto(f"{live_server.url}/driver/")
    expect(page.locator("#view-signin")).to_be_visible()
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    expect(page.locator("#view-signin")).to_be_visible()
    expect(page.locator("#net")).to_have_text("Offline")
    network = page.evaluate("fetch('/healthz').then(() => 'reached', () => 'unreachable')")
    assert network == "unreachable"
    assert page.evaluate("typeof L") == "object"


def test_an_action_whose_answer_is_lost_is_resent_and_applied_once(
    browser: Browser, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Lost answers org")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        day = make_driver_day(client, live_server.db, org, cod_on=None)
    context = browser.new_context(
        viewport=PHONE, geolocation=_at(*STOPS[0]), permissions=["geolocation"]
    )
    page = context.new_page()
    sent: list[str] = []
    answered: list[int] = []

    def lose_first_answer(route: Route) -> None:
        sent.append(route.request.post_data or "")
        if len(sent) == 1:
            answered.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/driver/stops/*/deliver", lose_first_answer)
    route_started(page, live_server.url, day)
    page.locator("#stops li").first.locator("button").click()
    page.locator("#stop-arrive").click()
    with page.expect_request("**/api/v1/driver/stops/*/deliver"):
        page.locator("#stop-deliver").click()
    with page.expect_request("**/api/v1/driver/stops/*/deliver", timeout=SYNC_MS):
        pass
    _synced(page, 0, "completed")
    context.close()

    assert answered == [200]
    assert len(sent) == 2
    assert sent[0] == sent[1]
    with live_server.db.session() as session:
        delivered = session.scalar(
            select(func.count())
            .select_from(ShipmentEvent)
            .where(
                ShipmentEvent.shipment_id == uuid.UUID(day.shipment_ids[0]),
                ShipmentEvent.status == Status.DELIVERED,
            )
        )
    assert delivered == 1


def test_a_queue_kept_through_a_new_sign_in_is_sent_with_the_new_session(
    context: BrowserContext, live_server: LiveServer, seeded: tuple[OrgHandle, DriverDay]
) -> None:
    org, day = seeded
    page = context.new_page()
    route_started(page, live_server.url, day)

    context.set_offline(True)
    page.locator("#stops li").first.locator("button").click()
    page.locator("#stop-arrive").click()
    expect(page.locator("#queue")).to_have_attribute("data-actions", "1")
    with httpx.Client(base_url=live_server.url, timeout=10, headers=org.headers) as staff:
        reset = staff.put(f"/api/v1/drivers/{day.driver_id}/pin", json={"pin": "7788"})
        assert reset.status_code == 204, reset.text
    context.set_offline(False)

    expect(page.locator("#view-signin")).to_be_visible(timeout=SYNC_MS)
    expect(page.locator("#signin-error")).to_contain_text("nothing you did is lost")
    expect(page.locator("#queue")).to_have_attribute("data-actions", "1")
    page.locator("#signin-phone").fill(day.phone)
    page.locator("#signin-pin").fill("7788")
    page.locator("#signin-form button[type=submit]").click()
    expect(page.locator("#view-route")).to_be_visible()
    _synced(page, 0, "arrived")

    with live_server.db.session() as session:
        first = session.get(RouteStop, uuid.UUID(day.stop_ids[0]))
        assert first is not None
        assert first.status == "arrived"
        arriving = session.scalar(
            select(func.count())
            .select_from(ShipmentEvent)
            .where(
                ShipmentEvent.shipment_id == uuid.UUID(day.shipment_ids[0]),
                ShipmentEvent.status == Status.ARRIVING,
            )
        )
    assert arriving == 1


def test_typed_parcel_scans_and_the_recipient_name_gate_the_delivery(
    context: BrowserContext, live_server: LiveServer
) -> None:
    org = make_org(live_server.db, "Scanning org")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        set_rules(client, org, recipient_name=True, scan_parcels=True)
        day = make_driver_day(client, live_server.db, org, cod_on=None)
    context.set_geolocation(_at(*STOPS[0]))
    page = context.new_page()
    route_started(page, live_server.url, day)
    page.locator("#stops li").first.locator("button").click()
    page.locator("#stop-arrive").click()

    first, second = (f"{day.tracking_numbers[0]}-{n}" for n in (1, 2))
    page.locator("#scan-input").fill("NOT-A-PARCEL-9")
    page.locator("#scan-save").click()
    expect(page.locator("#problems")).to_contain_text("NOT-A-PARCEL-9 is not a parcel of this stop")
    page.locator("#scan-input").fill(first.lower())
    page.locator("#scan-save").click()
    expect(page.locator("#stop-missing")).to_have_text(
        f"Still needed: recipient name, scan ({second})"
    )
    page.locator("#scan-input").fill(second)
    page.locator("#scan-save").click()
    page.locator("#recipient-name").fill("Aino")
    page.locator("#recipient-save").click()
    expect(page.locator("#stop-deliver")).to_be_enabled()
    page.locator("#stop-deliver").click()
    _synced(page, 0, "completed")

    with live_server.db.session() as session:
        proofs = session.scalars(
            select(Proof).where(Proof.stop_id == uuid.UUID(day.stop_ids[0]))
        ).all()
    assert sorted((p.kind, (p.value or "").upper()) for p in proofs) == sorted(
        [
            (ProofKind.SCAN, first.upper()),
            (ProofKind.SCAN, second.upper()),
            (ProofKind.RECIPIENT_NAME, "AINO"),
        ]
    )
