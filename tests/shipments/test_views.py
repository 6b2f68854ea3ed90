from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import hub_body, shipment_body
from tests.common import OrgHandle, create_shipment, post_event

from lastmile.shipments import tracking_numbers


def test_create_returns_tracking_number_url_and_status(client: TestClient, org: OrgHandle) -> None:
    body = shipment_body(reference="ORD-1", cod={"amount": "49.90", "currency": "EUR"})
    data = create_shipment(client, org, **body)

    assert tracking_numbers.validate(data["tracking_number"]) == data["tracking_number"]
    assert data["status"] == "created"
    token = data["tracking_url"].removeprefix("http://testserver/t/")
    assert len(token) >= 32
    assert data["cod"] == {"amount": "49.90", "currency": "EUR"}
    assert data["recipient"]["phone"] == "+358401234567"
    assert data["delivery_date"] == "2026-11-24"

    fetched = client.get(f"/api/v1/shipments/{data['tracking_number']}", headers=org.headers)
    assert fetched.status_code == 200
    assert [e["status"] for e in fetched.json()["timeline"]] == ["created"]


def test_same_reference_returns_the_existing_shipment(client: TestClient, org: OrgHandle) -> None:
    first = create_shipment(client, org, reference="ORD-7")
    again = client.post(
        "/api/v1/shipments", json=shipment_body(reference="ORD-7"), headers=org.headers
    )
    assert again.status_code == 200
    assert again.json()["tracking_number"] == first["tracking_number"]


def test_a_reference_reused_with_other_data_is_refused_naming_the_fields(
    client: TestClient, org: OrgHandle
) -> None:
    first = create_shipment(client, org, reference="ORD-8")
    changed = shipment_body(
        reference="ORD-8",
        recipient={"name": "Someone Else", "phone": "+358401234567"},
        address={"text": "Mannerheimintie 2, Helsinki", "lat": 60.17, "lon": 24.94},
    )

    again = client.post("/api/v1/shipments", json=changed, headers=org.headers)

    assert again.status_code == 409, again.text
    [error] = again.json()["errors"]
    assert error["field"] == "reference"
    for named in ("recipient.name", "address.text", "address.lat", first["tracking_number"]):
        assert named in error["message"]
    assert "recipient.phone" not in error["message"]
    bulk = client.post(
        "/api/v1/shipments/bulk",
        json={"shipments": [shipment_body(reference="ORD-8"), changed]},
        headers=org.headers,
    )
    assert bulk.status_code in (200, 207), bulk.text
    [row_error] = bulk.json()["errors"]
    assert (row_error["index"], row_error["field"]) == (1, "reference")
    assert "recipient.name" in row_error["message"]


def test_comparing_a_reused_reference_mints_no_tracking_number(
    client: TestClient, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry and a reuse are told apart from the request's values alone: no shipment (with
    its tracking number and token) is built just to compare."""
    first = create_shipment(
        client, org, reference="ORD-9", recipient={"name": "A", "phone": "+358 40 123 4567"}
    )

    def no_new_number() -> str:
        raise AssertionError("a tracking number was generated to compare")

    monkeypatch.setattr(tracking_numbers, "generate", no_new_number)
    same = client.post(
        "/api/v1/shipments",
        json=shipment_body(reference="ORD-9", recipient={"name": "A", "phone": "+358401234567"}),
        headers=org.headers,
    )
    assert same.status_code == 200, same.text
    assert same.json()["tracking_number"] == first["tracking_number"]
    other = client.post(
        "/api/v1/shipments",
        json=shipment_body(reference="ORD-9", recipient={"name": "B", "phone": "+358401234567"}),
        headers=org.headers,
    )
    assert other.status_code == 409, other.text
    [error] = other.json()["errors"]
    assert "recipient.name" in error["message"]
    assert "recipient.phone" not in error["message"]


def test_phone_is_normalised_to_e164_and_bad_phone_names_the_field(
    client: TestClient, org: OrgHandle
) -> None:
    spaced = shipment_body(recipient={"name": "A", "phone": "+358 40 123 4567"})
    assert create_shipment(client, org, **spaced)["recipient"]["phone"] == "+358401234567"

    bad = client.post(
        "/api/v1/shipments",
        json=shipment_body(recipient={"name": "A", "phone": "0401234567"}),
        headers=org.headers,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "recipient.phone"


def test_invalid_fields_are_each_named(client: TestClient, org: OrgHandle) -> None:
    body = shipment_body(
        address={"text": "x", "lat": 91.0, "lon": 24.9},
        window={"start": "2026-11-24T12:00:00Z", "end": "2026-11-24T10:00:00Z"},
        parcel_count=0,
        surprise=True,
    )
    response = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"address.lat", "window", "parcel_count", "surprise"}
    lat_error = next(e for e in response.json()["errors"] if e["field"] == "address.lat")
    assert "91.0" in lat_error["message"]


def test_unknown_hub_is_refused_by_field(client: TestClient, org: OrgHandle) -> None:
    body = shipment_body(hub_id="00000000-0000-0000-0000-000000000001")
    response = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "hub_id"


def test_delivery_date_follows_the_hub_time_zone(client: TestClient, org: OrgHandle) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    late_evening_utc = {"start": "2026-11-24T23:30:00Z", "end": "2026-11-25T01:00:00Z"}
    data = create_shipment(client, org, hub_id=hub["id"], window=late_evening_utc)
    assert data["delivery_date"] == "2026-11-25"


def test_bulk_creates_valid_rows_and_reports_invalid_ones(
    client: TestClient, org: OrgHandle
) -> None:
    rows = [shipment_body(reference=f"B-{i}") for i in range(5)]
    rows[1]["recipient"] = {"name": "", "phone": "+358401234567"}
    rows[3]["address"] = {"text": "x", "lat": 10.0}
    rows.append(shipment_body(reference="B-0"))
    response = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)

    assert response.status_code == 200
    result = response.json()
    assert (result["created"], result["existing"], result["failed"]) == (3, 1, 2)
    assert [(e["index"], e["field"]) for e in result["errors"]] == [
        (1, "recipient.name"),
        (3, "address"),
    ]
    listed = client.get("/api/v1/shipments", headers=org.headers).json()["items"]
    assert sorted(s["reference"] for s in listed) == ["B-0", "B-2", "B-4"]


def test_bulk_refuses_more_than_a_thousand_rows(client: TestClient, org: OrgHandle) -> None:
    rows = [shipment_body()] * 1001
    response = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "shipments"


def test_list_filters_search_and_pagination(client: TestClient, org: OrgHandle) -> None:
    hub = client.post("/api/v1/hubs", json=hub_body(), headers=org.headers).json()
    made = [
        create_shipment(
            client,
            org,
            reference=f"P-{i}",
            recipient={"name": f"Person {i}"},
            hub_id=hub["id"] if i % 2 else None,
        )
        for i in range(7)
    ]
    post_event(client, org, made[0]["tracking_number"], status="at_hub")

    def listed(query: str) -> list[str]:
        response = client.get(f"/api/v1/shipments?{query}", headers=org.headers)
        assert response.status_code == 200, response.text
        return [s["reference"] for s in response.json()["items"]]

    assert listed("status=at_hub") == ["P-0"]
    assert sorted(listed(f"hub_id={hub['id']}")) == ["P-1", "P-3", "P-5"]
    assert listed("q=person 4") == ["P-4"]
    # A reference with a 0, which no tracking number holds: "P-6" also finds, now and then, a
    # shipment whose random tracking number happens to start "P6".
    assert listed("q=P-0") == ["P-0"]
    number = made[2]["tracking_number"]
    assert listed(f"q={number[:4].lower()}-{number[4:]}") == ["P-2"]
    assert listed("date=2026-11-24&status=created&status=at_hub").__len__() == 7
    assert listed("date=2026-11-25") == []

    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/shipments?{query}", headers=org.headers).json()
        seen += [s["reference"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(f"P-{i}" for i in range(7))
    assert len(seen) == len(set(seen))


def test_bad_cursor_is_named(client: TestClient, org: OrgHandle) -> None:
    response = client.get("/api/v1/shipments?cursor=not-a-cursor", headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_lookup_normalises_and_check_character_failure_says_so(
    client: TestClient, org: OrgHandle
) -> None:
    number = create_shipment(client, org)["tracking_number"]
    loose = f" {number[:4].lower()}-{number[4:8]} {number[8:]} "
    assert client.get(f"/api/v1/shipments/{loose}", headers=org.headers).status_code == 200

    wrong = number[:-1] + ("2" if number[-1] != "2" else "3")
    response = client.get(f"/api/v1/shipments/{wrong}", headers=org.headers)
    assert response.status_code == 404
    assert "check character" in response.json()["detail"]


def test_events_walk_the_lifecycle_and_record_who_where_and_why(
    client: TestClient, org: OrgHandle
) -> None:
    number = create_shipment(client, org)["tracking_number"]
    assert (
        post_event(client, org, number, status="at_hub", note="arrived at distribution center")[0]
        == 201
    )
    assert post_event(client, org, number, status="out_for_delivery")[0] == 201
    code, data = post_event(
        client,
        org,
        number,
        status="attempted",
        reason="not home",
        location={"lat": 60.17, "lon": 24.94},
    )
    assert code == 201
    assert data["status"] == "attempted"
    last = data["timeline"][-1]
    assert last["reason"] == "not home"
    assert last["location"] == {"lat": 60.17, "lon": 24.94}
    assert last["actor"] == "api-key:test"


def test_illegal_transition_is_409_naming_both_states(client: TestClient, org: OrgHandle) -> None:
    number = create_shipment(client, org)["tracking_number"]
    code, problem = post_event(client, org, number, status="delivered")
    assert code == 409
    assert "`created`" in problem["detail"]
    assert "`delivered`" in problem["detail"]


def test_reason_is_required_for_attempts(client: TestClient, org: OrgHandle) -> None:
    number = create_shipment(client, org)["tracking_number"]
    post_event(client, org, number, status="out_for_delivery")
    code, problem = post_event(client, org, number, status="attempted")
    assert code == 422
    assert problem["errors"][0]["field"] == "reason"


def test_late_scans_take_their_place_in_time(client: TestClient, org: OrgHandle) -> None:
    number = create_shipment(client, org)["tracking_number"]
    now = datetime.now(UTC)
    post_event(client, org, number, status="out_for_delivery", at=now.isoformat())
    code, data = post_event(
        client, org, number, status="at_hub", at=(now - timedelta(hours=2)).isoformat()
    )
    assert code == 201
    assert data["status"] == "out_for_delivery"
    statuses = [e["status"] for e in data["timeline"] if e["status"] != "created"]
    assert statuses == ["at_hub", "out_for_delivery"]

    code, _ = post_event(client, org, number, status="at_hub", at=now.isoformat())
    assert code == 409


def test_future_event_times_are_refused(client: TestClient, org: OrgHandle) -> None:
    number = create_shipment(client, org)["tracking_number"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    code, problem = post_event(client, org, number, status="at_hub", at=tomorrow)
    assert code == 422
    assert problem["errors"][0]["field"] == "at"


def test_cancel_is_final(client: TestClient, org: OrgHandle) -> None:
    number = create_shipment(client, org)["tracking_number"]
    response = client.post(
        f"/api/v1/shipments/{number}/cancel",
        json={"reason": "customer request"},
        headers=org.headers,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    code, problem = post_event(client, org, number, status="at_hub")
    assert code == 409
    assert "none: it is final" in problem["detail"]
