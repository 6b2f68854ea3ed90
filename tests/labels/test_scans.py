"""Scanning parcels at the hub over the API: in and onto the van, each scan one event on the
shipment's timeline and the load on its route stop; unknown codes, other organisations'
parcels, the wrong route and a van already gone are refused in words; scanning twice says so."""

from typing import Any

from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment
from tests.driver_app import make_driver_day, sign_in
from tests.labels.labelled import Planned, planned_route

from lastmile.db import Database


def _scan(
    client: TestClient, planned: Planned, code: str, action: str, **extra: Any
) -> tuple[int, dict[str, Any]]:
    answer = client.post(
        f"/api/v1/hubs/{planned.hub_id}/scans",
        json={"code": code, "action": action, **extra},
        headers=planned.org.headers,
    )
    return answer.status_code, answer.json()


def _events(client: TestClient, org: OrgHandle, number: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/shipments/{number}/events", headers=org.headers)
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()
    return events


def test_parcels_are_scanned_in_then_loaded_and_the_route_knows(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    first, second, _ = planned.day.tracking_numbers
    route = planned.day.route_id

    status, scanned_in = _scan(client, planned, first, "at_hub")
    assert status == 200, scanned_in
    assert scanned_in["outcome"] == "at_hub"
    assert scanned_in["status"] == "at_hub"
    assert scanned_in["stop_number"] == 1

    status, loaded = _scan(client, planned, first, "loaded", route_id=route)
    assert status == 200, loaded
    assert loaded["outcome"] == "loaded"
    assert loaded["message"] == f"{first} loaded: stop 1, Driver VAN-1 (VAN-1)"
    assert loaded["route_id"] == route
    assert loaded["recipient_name"] == "Aino Virtanen"
    assert loaded["loaded_at"] is not None
    # A parcel never scanned in is loaded straight from `created`: one event, at the hub.
    status, straight = _scan(client, planned, second, "loaded")
    assert status == 200, straight
    assert straight["stop_number"] == 2
    assert straight["status"] == "at_hub"

    timeline = [(e["status"], e["reason"]) for e in _events(client, org, first)]
    assert timeline[-2:] == [("at_hub", None), ("at_hub", "loaded")]
    assert [(e["status"], e["reason"]) for e in _events(client, org, second)][-1] == (
        "at_hub",
        "loaded",
    )
    load = client.get(f"/api/v1/routes/{route}/load", headers=org.headers).json()
    assert [item["tracking_number"] for item in load["loaded"]] == [first, second]
    assert [item["stop_number"] for item in load["missing"]] == [3]
    hub_routes = client.get(f"/api/v1/hubs/{planned.hub_id}/loading", headers=org.headers)
    assert [(r["route_id"], r["stops"], r["loaded"]) for r in hub_routes.json()] == [(route, 3, 2)]


def test_the_qr_codes_tracking_link_loads_the_parcel_too(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    third = planned.shipment(client, 2)

    status, loaded = _scan(client, planned, third["tracking_url"], "loaded")

    assert status == 200, loaded
    assert loaded["tracking_number"] == third["tracking_number"]
    assert loaded["stop_number"] == 3


def test_scanning_a_loaded_parcel_again_says_so_and_records_nothing(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    number = planned.day.tracking_numbers[0]
    assert _scan(client, planned, number, "loaded")[0] == 200
    before = _events(client, org, number)

    status, again = _scan(client, planned, f"  {number.lower()}\n", "loaded")

    assert status == 200, again
    assert again["outcome"] == "already_loaded"
    assert again["message"].startswith(f"{number} was already loaded at ")
    assert _events(client, org, number) == before
    status, in_again = _scan(client, planned, number, "at_hub")
    assert (status, in_again["outcome"]) == (200, "already_at_hub")
    assert _events(client, org, number) == before


def test_unknown_codes_and_other_organisations_parcels_are_not_found(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    theirs = create_shipment(client, other_org)

    for code in ("NOT-A-PARCEL", theirs["tracking_number"], theirs["tracking_url"]):
        status, problem = _scan(client, planned, code, "loaded")
        assert status == 404, (code, problem)
        assert problem["detail"]
    assert _events(client, other_org, theirs["tracking_number"])[-1]["status"] == "created"
    other_hub = client.post(
        f"/api/v1/hubs/{planned.hub_id}/scans",
        json={"code": planned.day.tracking_numbers[0], "action": "at_hub"},
        headers=other_org.headers,
    )
    assert other_hub.status_code == 404


def test_the_wrong_route_another_hub_and_a_van_gone_are_refused_in_words(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    elsewhere = planned_route(client, db, org, plate="VAN-2", phone="+358405556667")
    first, second, _ = planned.day.tracking_numbers

    status, wrong = _scan(client, planned, first, "loaded", route_id=elsewhere.day.route_id)
    assert status == 409
    assert wrong["detail"] == (
        f"wrong route: {first} is stop 1 of Driver VAN-1 (VAN-1)'s route, not this one"
    )
    status, other_hub = _scan(client, planned, elsewhere.day.tracking_numbers[0], "at_hub")
    assert status == 409
    assert other_hub["detail"] == (
        f"{elsewhere.day.tracking_numbers[0]} belongs to hub Helsinki hub (VAN-2), "
        "not Helsinki hub (VAN-1)"
    )
    far_number = elsewhere.day.tracking_numbers[1]
    status, far = _scan(client, planned, far_number, "loaded")
    assert status == 409
    assert far["detail"] == (
        f"{far_number} leaves from hub Helsinki hub (VAN-2), on Driver VAN-2 (VAN-2)'s route"
    )

    assert _scan(client, planned, first, "loaded")[0] == 200
    started = client.post(f"/api/v1/routes/{planned.day.route_id}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    status, gone = _scan(client, planned, second, "loaded")
    assert status == 409
    assert gone["detail"] == f"{second} is out for delivery: the van has left, it cannot be loaded"
    assert _scan(client, planned, first, "loaded")[1]["outcome"] == "already_loaded"


def test_a_scan_names_its_missing_field(client: TestClient, db: Database, org: OrgHandle) -> None:
    planned = planned_route(client, db, org)

    answer = client.post(
        f"/api/v1/hubs/{planned.hub_id}/scans",
        json={"code": planned.day.tracking_numbers[0], "action": "weighed"},
        headers=org.headers,
    )

    assert answer.status_code == 422
    assert "action" in answer.text


def test_a_hub_lists_its_own_routes_to_load_not_another_hubs(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    elsewhere = planned_route(client, db, org, plate="VAN-2", phone="+358405556667")

    for hub, route in ((planned, planned.day.route_id), (elsewhere, elsewhere.day.route_id)):
        answer = client.get(f"/api/v1/hubs/{hub.hub_id}/loading", headers=org.headers)
        assert answer.status_code == 200, answer.text
        assert [r["route_id"] for r in answer.json()] == [route]


def test_a_van_that_left_without_load_scans_says_so_and_counts_what_it_delivered(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """The demo's drivers (and some real ones) never scan at loading: a van out on the road
    is not "0/3 loaded", and the parcels it delivered or attempted were on it."""
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    hub_id = client.get(f"/api/v1/shipments/{day.tracking_numbers[0]}", headers=org.headers)
    hub_id = hub_id.json()["hub_id"]

    def hub_routes() -> list[tuple[int, int, bool]]:
        answer = client.get(f"/api/v1/hubs/{hub_id}/loading", headers=org.headers)
        assert answer.status_code == 200, answer.text
        return [(r["stops"], r["loaded"], r["left_without_scan"]) for r in answer.json()]

    assert hub_routes() == [(3, 0, False)]  # still at the hub: nothing loaded yet, truly
    driver = day.headers
    assert client.post("/api/v1/driver/route/start", json=day.action(), headers=driver).is_success
    url = "/api/v1/driver/stops/{}/{}"
    first, second, _ = day.stop_ids
    delivered = client.post(url.format(first, "deliver"), json=day.action(), headers=driver)
    assert delivered.is_success, delivered.text
    failed = day.action(reason="not_home")
    assert client.post(url.format(second, "fail"), json=failed, headers=driver).is_success

    assert hub_routes() == [(3, 2, True)]
    load = client.get(f"/api/v1/routes/{day.route_id}/load", headers=org.headers).json()
    assert load["left_without_scan"] is True
    assert [item["tracking_number"] for item in load["loaded"]] == day.tracking_numbers[:2]
    assert [item["loaded_at"] for item in load["loaded"]] == [None, None]
    assert [item["tracking_number"] for item in load["missing"]] == day.tracking_numbers[2:]


def test_a_van_loaded_by_scan_has_not_left_without_one(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    planned = planned_route(client, db, org)
    assert _scan(client, planned, planned.day.tracking_numbers[0], "loaded")[0] == 200
    started = client.post(f"/api/v1/routes/{planned.day.route_id}/start", headers=org.headers)
    assert started.status_code == 200, started.text

    load = client.get(f"/api/v1/routes/{planned.day.route_id}/load", headers=org.headers).json()
    assert load["left_without_scan"] is False
    assert len(load["loaded"]) == 1
