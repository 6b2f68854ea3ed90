"""The page itself: ETA, expiry, branding, proof of delivery, weight."""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment, post_event
from tests.web.tracking.scenario import route_in_progress

from lastmile.db import Database
from lastmile.eta import current as eta_contract
from lastmile.pod import current as pod_contract
from lastmile.pod.current import DeliveryProof
from lastmile.types import StopEta
from lastmile.web.tracking.eta import eta_view

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PAGE_BUDGET_BYTES = 50_000


def _path(shipment: dict[str, str]) -> str:
    return shipment["tracking_url"].removeprefix("http://testserver")


def _eta(shipment_id: uuid.UUID, start: datetime) -> StopEta:
    return StopEta(
        route_id=uuid.uuid4(),
        stop_id=uuid.uuid4(),
        shipment_id=shipment_id,
        eta=start + timedelta(minutes=15),
        window_start=start,
        window_end=start + timedelta(minutes=30),
        stops_away=2,
        computed_at=start - timedelta(minutes=5),
        gps_age_s=4.0,
    )


def test_eta_view_shows_the_window_in_local_time() -> None:
    start = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
    view = eta_view(_eta(uuid.uuid4(), start), ZoneInfo("Europe/Helsinki"))
    assert view is not None
    assert (view.window_start.hour, view.window_start.minute) == (10, 40)
    assert (view.window_end.hour, view.window_end.minute) == (11, 10)
    assert view.stops_away == 2
    assert eta_view(None, ZoneInfo("UTC")) is None


def test_the_page_says_when_the_eta_is_not_known(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    page = client.get(scenario.path(0)).text
    assert "ETA not yet known" in page


def test_the_page_shows_the_eta_window_from_the_contract(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = route_in_progress(client, db, org)
    mine = uuid.UUID(scenario.shipments[0]["id"])
    start = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
    asked: list[uuid.UUID] = []

    def fake_current_eta(session: object, *, org_id: uuid.UUID, shipment_id: uuid.UUID) -> StopEta:
        asked.append(shipment_id)
        return _eta(shipment_id, start)

    monkeypatch.setattr(eta_contract, "current_eta", fake_current_eta)
    page = client.get(scenario.path(0)).text
    assert asked == [mine]
    assert "Arriving between" in page
    assert ">10:40</time>" in page
    assert ">11:10</time>" in page
    assert "ETA not yet known" not in page
    # The ETA counted 2 stops, the route says this stop is next: the page says it once.
    assert "(you are the next stop)" in page
    assert "You are the next stop." in page
    assert "stop away" not in page
    assert "stops away" not in page


def test_the_eta_note_words_the_stops_as_the_driver_box_does(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of the map's reach, the ETA's count is the one: "2 stops before yours"."""
    scenario = route_in_progress(client, db, org, stops=5)
    start = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
    monkeypatch.setattr(
        eta_contract,
        "current_eta",
        lambda session, *, org_id, shipment_id: _eta(shipment_id, start),
    )
    page = client.get(scenario.path(4)).text  # beyond the map's stops: no driver box line
    assert "(1 stop before yours)" in page


def test_a_driver_at_the_door_is_said_so_not_an_unknown_eta(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    number = scenario.shipments[0]["tracking_number"]
    assert post_event(client, org, number, status="arriving")[0] == 201
    page = client.get(scenario.path(0)).text
    assert "Your driver is at your door." in page
    assert "ETA not yet known" not in page
    # the driver box agrees: not "You are the next stop" beside "at your door"
    assert "You are the next stop" not in page


def test_a_parcel_back_at_the_hub_has_no_arrival_time(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored ETA outlives the stop it was for: once returned, the page must not read it."""
    scenario = route_in_progress(client, db, org)
    start = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
    monkeypatch.setattr(
        eta_contract,
        "current_eta",
        lambda session, *, org_id, shipment_id: _eta(shipment_id, start),
    )
    number = scenario.shipments[0]["tracking_number"]
    assert "Arriving between" in client.get(scenario.path(0)).text
    assert post_event(client, org, number, status="returned_to_hub", reason="no access")[0] == 201

    page = client.get(scenario.path(0)).text

    assert "Returned to the hub" in page
    assert "Arriving between" not in page


def test_an_unknown_or_malformed_token_is_a_404_page(client: TestClient) -> None:
    for token in ("x" * 32, "short", "a" * 65, "bad token with spaces and more"):
        page = client.get(f"/t/{token}")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "can't find this tracking link" in page.text
        assert '<html lang="en">' in page.text


def test_a_link_expires_30_days_after_delivery(client: TestClient, org: OrgHandle) -> None:
    old, recent = create_shipment(client, org), create_shipment(client, org)
    now = datetime.now(UTC)
    for shipment, days in ((old, 31), (recent, 29)):
        number = shipment["tracking_number"]
        at = (now - timedelta(days=days)).isoformat()
        going = (now - timedelta(days=days, hours=2)).isoformat()
        assert post_event(client, org, number, status="out_for_delivery", at=going)[0] == 201
        assert post_event(client, org, number, status="delivered", at=at)[0] == 201
    expired = client.get(_path(old))
    assert expired.status_code == 404
    assert "This tracking link has expired" in expired.text
    assert old["tracking_number"] not in expired.text
    assert client.get(_path(recent)).status_code == 200


def test_the_expiry_is_an_organisation_setting(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    at = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    post_event(client, org, shipment["tracking_number"], status="cancelled", reason="x", at=at)
    assert client.get(_path(shipment)).status_code == 200
    client.patch("/api/v1/organization/settings", json={"link_expiry_days": 2}, headers=org.headers)
    assert client.get(_path(shipment)).status_code == 404


def test_branding_colour_and_logo(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    client.patch(
        "/api/v1/organization/settings", json={"brand_color": "#FFD400"}, headers=org.headers
    )
    page = client.get(_path(shipment)).text
    assert "--brand:#ffd400;--on-brand:#111111" in page
    assert "Org A" in page
    uploaded = client.put(
        "/api/v1/organization/logo",
        json={"content_type": "image/png", "data_base64": base64.b64encode(PNG).decode()},
        headers=org.headers,
    )
    assert uploaded.status_code == 200, uploaded.text
    page = client.get(_path(shipment)).text
    assert f'src="{_path(shipment)}/logo"' in page
    logo = client.get(f"{_path(shipment)}/logo")
    assert logo.content == PNG
    assert logo.headers["content-type"] == "image/png"
    assert client.get("/t/" + "y" * 32 + "/logo").status_code == 404


def test_the_delivery_code_shows_while_out_for_delivery(
    client: TestClient, db: Database, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = route_in_progress(client, db, org)
    mine = uuid.UUID(scenario.shipments[0]["id"])

    def code(session: object, *, org_id: uuid.UUID, shipment_id: uuid.UUID) -> str | None:
        return "4711" if shipment_id == mine else None

    monkeypatch.setattr(pod_contract, "delivery_code", code)
    assert "Your delivery code: <strong>4711</strong>" in client.get(scenario.path(0)).text
    assert "4711" not in client.get(scenario.path(1)).text


def test_the_proof_photo_is_served_to_its_own_link_only(
    client: TestClient, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, other = create_shipment(client, org), create_shipment(client, org)
    for shipment in (mine, other):
        post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, mine["tracking_number"], status="delivered")
    keys = {uuid.UUID(mine["id"]): ("proof/mine.png",)}

    def proof(session: object, *, org_id: uuid.UUID, shipment_id: uuid.UUID) -> object:
        photos = keys.get(shipment_id)
        if photos is None:
            return None
        return DeliveryProof(datetime.now(UTC), "Aino", photos, None, None)

    def read_photo(settings: object, key: str) -> bytes:
        assert key == "proof/mine.png"
        return PNG

    monkeypatch.setattr(pod_contract, "delivery_proof", proof)
    monkeypatch.setattr(pod_contract, "read_photo", read_photo)
    page = client.get(_path(mine)).text
    assert f'src="{_path(mine)}/proof/1"' in page
    assert "received by Aino" in page
    photo = client.get(f"{_path(mine)}/proof/1")
    assert photo.status_code == 200
    assert photo.content == PNG
    assert client.get(f"{_path(mine)}/proof/2").status_code == 404
    assert client.get(f"{_path(other)}/proof/1").status_code == 404


def test_the_page_is_under_50_kb_before_the_map(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    number = scenario.shipments[1]["tracking_number"]
    post_event(client, org, number, status="delivered")
    css = client.get("/static/tracking/tracking.css")
    js = client.get("/static/tracking/tracking.js")
    assert css.status_code == js.status_code == 200
    for name, index in (("out for delivery", 0), ("delivered", 1)):
        page = client.get(scenario.path(index))
        assert 'href="/static/tracking/tracking.css"' in page.text
        total = len(page.content) + len(css.content) + len(js.content)
        print(
            f"tracking page weight ({name}): html {len(page.content)} + css {len(css.content)}"
            f" + js {len(js.content)} = {total} bytes"
        )
        assert total < PAGE_BUDGET_BYTES


def test_leaflet_is_served_by_our_own_server(client: TestClient) -> None:
    script = client.get("/vendor/leaflet/leaflet.js")
    assert script.status_code == 200
    assert "Leaflet" in script.text[:2000]


def test_the_page_sends_security_headers(client: TestClient, org: OrgHandle) -> None:
    page = client.get(_path(create_shipment(client, org)))
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_page_tells_its_server_time(client: TestClient, db: Database, org: OrgHandle) -> None:
    page = client.get(route_in_progress(client, db, org).path(0))
    name, _, duration = page.headers["server-timing"].partition(";dur=")
    assert name == "app"
    assert 0 < float(duration) < 60_000
