"""Planning meets the organisation's address quality rule: warn (the default), refuse, off."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.address_index import indexed, tiny_extract  # noqa: F401 (fixtures)
from tests.common import OrgHandle, create_shipment, make_driver

DAY = "2026-11-24"
SETTINGS = "/api/v1/organization/settings"

pytestmark = pytest.mark.usefixtures("indexed")  # before `day` makes its shipments


@pytest.fixture
def day(client: TestClient, org: OrgHandle) -> dict[str, Any]:
    """A hub, one crew, a door the text finds and a street without a house number."""
    hub = client.post(
        "/api/v1/hubs",
        json=hub_body(opening_hours={"tue": [["08:00", "18:00"]]}),
        headers=org.headers,
    ).json()
    driver = make_driver(client, org, name="Driver")["id"]
    vehicle = client.post(
        "/api/v1/vehicles",
        json={"plate": "VAN-1", "capacity_kg": 100, "capacity_parcels": 20},
        headers=org.headers,
    ).json()["id"]
    good = create_shipment(
        client,
        org,
        hub_id=hub["id"],
        address={"text": "Mannerheimintie 1, Helsinki", "lat": 60.1702, "lon": 24.9383},
    )
    poor = create_shipment(
        client,
        org,
        hub_id=hub["id"],
        address={"text": "Mannerheimintie, Helsinki", "lat": 60.1750, "lon": 24.9330},
    )
    assert good["address"]["quality"]["score"] >= 90
    assert poor["address"]["quality"]["score"] < 60
    return {"hub": hub["id"], "crew": ([driver], [vehicle]), "good": good, "poor": poor}


def _plan(client: TestClient, org: OrgHandle, day: dict[str, Any]) -> dict[str, Any]:
    drivers, vehicles = day["crew"]
    body = {
        "hub_id": day["hub"],
        "date": DAY,
        "driver_ids": drivers,
        "vehicle_ids": vehicles,
        "time_limit_s": 0.2,
    }
    response = client.post("/api/v1/plans", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


def _served(plan: dict[str, Any]) -> set[str]:
    return {s["tracking_number"] for r in plan["routes"] for s in r["stops"]}


def _rule(client: TestClient, org: OrgHandle, **changes: Any) -> None:
    response = client.patch(SETTINGS, json=changes, headers=org.headers)
    assert response.status_code == 200, response.text


def test_by_default_a_poor_address_is_planned_and_named_with_its_reasons(
    client: TestClient, org: OrgHandle, day: dict[str, Any]
) -> None:
    settings = client.get(SETTINGS, headers=org.headers).json()
    assert (settings["address_quality_rule"], settings["address_quality_threshold"]) == ("warn", 60)
    plan = _plan(client, org, day)
    poor, good = day["poor"], day["good"]
    assert _served(plan) == {poor["tracking_number"], good["tracking_number"]}
    assert plan["unassigned"] == []
    [flagged] = plan["address_attention"]
    assert flagged["tracking_number"] == poor["tracking_number"]
    assert flagged["planned"] is True
    assert flagged["score"] == poor["address"]["quality"]["score"]
    assert [r["code"] for r in flagged["reasons"]] == ["no_house_number"]
    assert "no house number" in flagged["reasons"][0]["message"]
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=org.headers).json() == plan


def test_refuse_leaves_the_poor_address_unassigned_with_its_reasons(
    client: TestClient, org: OrgHandle, day: dict[str, Any]
) -> None:
    _rule(client, org, address_quality_rule="refuse")
    plan = _plan(client, org, day)
    poor = day["poor"]["tracking_number"]
    assert _served(plan) == {day["good"]["tracking_number"]}
    [left] = plan["unassigned"]
    assert (left["tracking_number"], left["reason"]) == (poor, "address_needs_attention")
    assert poor in left["message"]
    assert "no house number" in left["message"]
    assert [(a["tracking_number"], a["planned"]) for a in plan["address_attention"]] == [
        (poor, False)
    ]
    assert plan["violations"] == []
    committed = client.post(f"/api/v1/plans/{plan['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text


def test_a_lower_threshold_or_off_plans_it_without_a_word(
    client: TestClient, org: OrgHandle, day: dict[str, Any]
) -> None:
    _rule(client, org, address_quality_rule="refuse", address_quality_threshold=40)
    lowered = _plan(client, org, day)
    assert lowered["address_attention"] == []
    assert lowered["unassigned"] == []
    _rule(client, org, address_quality_rule="off", address_quality_threshold=100)
    off = _plan(client, org, day)
    assert off["address_attention"] == []
    assert off["unassigned"] == []
    assert _served(off) == {day["poor"]["tracking_number"], day["good"]["tracking_number"]}


def test_a_day_of_only_refused_addresses_plans_no_route(
    client: TestClient, org: OrgHandle, day: dict[str, Any]
) -> None:
    good = day["good"]["tracking_number"]
    cancel = {"reason": "customer"}
    assert client.post(
        f"/api/v1/shipments/{good}/cancel", json=cancel, headers=org.headers
    ).is_success
    _rule(client, org, address_quality_rule="refuse")
    plan = _plan(client, org, day)
    assert _served(plan) == set()
    assert [u["reason"] for u in plan["unassigned"]] == ["address_needs_attention"]
