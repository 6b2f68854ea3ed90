"""Feedback from the tracking page: once per delivered shipment, tied to driver and stop."""

import re

from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.web.tracking.scenario import RouteScenario, route_in_progress

from lastmile.db import Database


def _deliver(client: TestClient, org: OrgHandle, scenario: RouteScenario, index: int) -> str:
    number = scenario.shipments[index]["tracking_number"]
    answer = client.post(
        f"/api/v1/shipments/{number}/events", json={"status": "delivered"}, headers=org.headers
    )
    assert answer.status_code == 201, answer.text
    return scenario.path(index)


def _secret(client: TestClient, path: str) -> str:
    found = re.search(r'name="form_secret" value="([0-9a-f]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def test_feedback_is_stored_once_with_driver_and_stop(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org, stops=2)
    path = _deliver(client, org, scenario, 0)
    form = {
        "form_secret": _secret(client, path),
        "rating": "4",
        "tags": ["On time", "Friendly driver"],
        "comment": "  Thanks!  ",
    }
    answer = client.post(f"{path}/feedback", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert "You rated this delivery 4 out of 5" in client.get(path).text

    again = client.post(f"{path}/feedback", data={**form, "rating": "1"})
    assert again.status_code == 409
    assert "already given" in again.text

    listed = client.get("/api/v1/feedback", headers=org.headers).json()
    assert len(listed["items"]) == 1
    item = listed["items"][0]
    assert item["rating"] == 4
    assert item["tags"] == ["On time", "Friendly driver"]
    assert item["comment"] == "Thanks!"
    assert item["driver_id"] == str(scenario.driver_id)
    assert item["stop_id"] == str(scenario.stop_ids[0])
    assert item["tracking_number"] == scenario.shipments[0]["tracking_number"]
    assert listed["average_rating"] == 4
    by_driver = client.get(
        f"/api/v1/feedback?driver_id={scenario.driver_id}", headers=org.headers
    ).json()
    assert len(by_driver["items"]) == 1
    assert client.get("/api/v1/feedback", headers=other_org.headers).json()["items"] == []


def test_feedback_names_the_field_at_fault(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org, stops=1)
    path = _deliver(client, org, scenario, 0)
    secret = _secret(client, path)
    cases = [
        ({}, "Rating: choose 1 to 5 stars"),
        ({"rating": "7"}, "Rating: is 7: choose 1 to 5 stars"),
        ({"rating": "five"}, "Rating: &#39;five&#39; is not a number of stars"),
        ({"rating": "5", "tags": ["Free cake"]}, "Tags: &#39;Free cake&#39; is not one"),
        ({"rating": "5", "comment": "x" * 2001}, "Comment: is 2001 characters"),
    ]
    for data, message in cases:
        answer = client.post(f"{path}/feedback", data={"form_secret": secret, **data})
        assert answer.status_code == 422, data
        assert message in answer.text
    assert client.get("/api/v1/feedback", headers=org.headers).json()["items"] == []


def test_no_feedback_before_delivery(client: TestClient, db: Database, org: OrgHandle) -> None:
    scenario = route_in_progress(client, db, org, stops=1)
    path = scenario.path(0)
    assert 'action="' + path + '/feedback"' not in client.get(path).text
    answer = client.post(
        f"{path}/feedback", data={"form_secret": _secret(client, path), "rating": "5"}
    )
    assert answer.status_code == 409
    assert "once the shipment is delivered" in answer.text


def test_the_tags_offered_are_the_organisations(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    client.patch(
        "/api/v1/organization/settings",
        json={"feedback_tags": ["Speedy", "Polite"]},
        headers=org.headers,
    )
    scenario = route_in_progress(client, db, org, stops=1)
    path = _deliver(client, org, scenario, 0)
    page = client.get(path).text
    assert 'value="Speedy"' in page
    assert 'value="On time"' not in page


def test_dispatchers_only_read_feedback(client: TestClient) -> None:
    assert client.get("/api/v1/feedback").status_code == 401
