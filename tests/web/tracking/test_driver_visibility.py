"""The driver and the road ahead appear only when this stop is next or within N stops."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment
from tests.web.tracking.scenario import (
    complete_stops,
    route_in_progress,
    secret_address,
    stop_location,
)

from lastmile.db import Database
from lastmile.ingest.models import DriverPosition


def _map_data(html: str) -> dict[str, object] | None:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def test_the_next_stop_sees_the_driver_and_the_road_to_it(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    page = client.get(scenario.path(0)).text
    data = _map_data(page)
    assert data is not None
    assert data["position"] == {
        "lat": 60.174,
        "lon": 24.946,
        "at": data["position"]["at"],  # type: ignore[index]
        "heading_deg": 90.0,
    }
    assert data["destination"] == list(stop_location(0))
    road = data["road"]
    assert isinstance(road, list)
    assert road[0] == [60.174, 24.946]
    assert road[-1] == list(stop_location(0))
    assert "Mikko" in page
    assert "Lahtinen" not in page
    assert "https://example.com/mikko.jpg" in page
    assert "You are the next stop." in page


def test_a_stop_four_away_does_not_see_the_driver(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    third, fourth = client.get(scenario.path(2)).text, client.get(scenario.path(3)).text
    assert _map_data(third) is not None
    assert _map_data(fourth) is None
    assert 'id="map"' not in fourth
    assert "60.174" not in fourth
    assert "Mikko" in fourth


def test_the_driver_appears_as_earlier_stops_are_completed(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    assert _map_data(client.get(scenario.path(4)).text) is None
    complete_stops(db, scenario, 2)
    data = _map_data(client.get(scenario.path(4)).text)
    assert data is not None
    assert data["stops_away"] == 3
    assert _map_data(client.get(scenario.path(0)).text) is None


def test_the_threshold_is_an_organisation_setting(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    answer = client.patch(
        "/api/v1/organization/settings",
        json={"driver_visible_stops_away": 1},
        headers=org.headers,
    )
    assert answer.status_code == 200, answer.text
    assert _map_data(client.get(scenario.path(0)).text) is not None
    assert _map_data(client.get(scenario.path(1)).text) is None


def test_no_driver_before_the_route_starts(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org, start=False)
    page = client.get(scenario.path(0)).text
    assert _map_data(page) is None
    assert "Mikko" not in page


def test_the_road_ahead_stops_at_this_stop_and_names_no_other(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    page = client.get(scenario.path(2)).text
    data = _map_data(page)
    assert data is not None
    road = [tuple(p) for p in data["road"]]  # type: ignore[attr-defined]
    assert road[-1] == stop_location(2)
    for later in (3, 4):
        assert stop_location(later) not in road
    for other in (0, 1, 3, 4):
        assert secret_address(other) not in page
        assert scenario.shipments[other]["tracking_number"] not in page
        assert f"Customer {other}" not in page
    assert secret_address(2) not in page


def test_without_a_geometry_the_road_is_the_straight_segment(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    from lastmile.dispatch.models import Route

    scenario = route_in_progress(client, db, org)
    with db.session() as session:
        route = session.get(Route, scenario.route_id)
        assert route is not None
        route.polyline6 = ""
        session.commit()
    data = _map_data(client.get(scenario.path(1)).text)
    assert data is not None
    assert data["road"] == [[60.174, 24.946], list(stop_location(1))]


@pytest.mark.parametrize("status", ["delivered", "attempted"])
def test_no_map_once_the_stop_is_done(
    client: TestClient, db: Database, org: OrgHandle, status: str
) -> None:
    scenario = route_in_progress(client, db, org)
    body = {"status": status} | ({"reason": "nobody home"} if status == "attempted" else {})
    number = scenario.shipments[0]["tracking_number"]
    answer = client.post(f"/api/v1/shipments/{number}/events", json=body, headers=org.headers)
    assert answer.status_code == 201, answer.text
    assert _map_data(client.get(scenario.path(0)).text) is None


def test_a_shipment_on_nobodys_route_shows_no_driver(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    page = client.get(shipment["tracking_url"].removeprefix("http://testserver")).text
    assert _map_data(page) is None
    assert "Your driver" not in page


def test_a_suspect_position_is_not_shown(client: TestClient, db: Database, org: OrgHandle) -> None:
    """The track teleported and is not trusted again (ingest.filters.SpeedFilter): the page
    shows the stop but no driver on the map, and no road from a place they may not be."""
    scenario = route_in_progress(client, db, org)
    with db.session() as session:
        session.get(DriverPosition, scenario.driver_id).suspect = True  # type: ignore[union-attr]
        session.commit()
    data = _map_data(client.get(scenario.path(0)).text)
    assert data is not None
    assert data["position"] is None
    assert data["road"] == []
    staff = client.get(f"/api/v1/drivers/{scenario.driver_id}/position", headers=org.headers)
    assert staff.json()["suspect"] is True, "the dispatcher sees it, flagged"
