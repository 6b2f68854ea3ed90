"""PATCH /api/v1/shipments/{tn}: a flagged address corrected by text or pin, judged again,
audited, and its planned stop re-timed; bad fields named, history refused."""

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.address_index import indexed, tiny_extract
from tests.common import OrgHandle, create_shipment, post_event
from tests.dispatch.test_edits import HUB, NEAR, NORTH, _get, _hub, _order, _route, pinned

from lastmile.audit.models import AuditEntry
from lastmile.db import Database
from lastmile.geo import haversine_m

__all__ = ["indexed", "pinned", "tiny_extract"]


def _patch(client: TestClient, org: OrgHandle, number: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/shipments/{number}", json=body, headers=org.headers)


def _audit(db: Database, number: str) -> list[AuditEntry]:
    with db.session() as session:
        query = select(AuditEntry).where(
            AuditEntry.action == "shipment.correct", AuditEntry.subject_label == number
        )
        return list(session.scalars(query.order_by(AuditEntry.id)))


@pytest.mark.usefixtures("indexed")
def test_a_new_text_finds_the_door_and_the_flag_goes(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    flagged = create_shipment(client, org, address={"text": "Mannerheimintie, Helsinki"})
    assert flagged["address"]["quality"]["reasons"][0]["code"] == "no_house_number"
    number = flagged["tracking_number"]

    response = _patch(client, org, number, {"address": {"text": "Mannerheimintie 1, Helsinki"}})

    assert response.status_code == 200, response.text
    address = response.json()["address"]
    assert haversine_m(address["lat"], address["lon"], 60.1702, 24.9383) < 1
    assert address["quality"]["reasons"] == []
    attention = client.get("/api/v1/shipments?needs_attention=true", headers=org.headers)
    assert number not in [s["tracking_number"] for s in attention.json()["items"]]
    (entry,) = _audit(db, number)
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["address_text"] == "Mannerheimintie, Helsinki"
    assert entry.after["address_text"] == "Mannerheimintie 1, Helsinki"
    assert entry.before["lat"] is None
    assert entry.after["lat"] == pytest.approx(60.1702, abs=1e-4)
    assert entry.actor_type == "api_key"


@pytest.mark.usefixtures("indexed")
def test_a_pin_placed_by_a_person_is_kept_and_says_who_moved_it(
    client: TestClient, org: OrgHandle
) -> None:
    number = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})["tracking_number"]

    response = _patch(client, org, number, {"address": {"lat": 60.1980, "lon": 24.9600}})

    address = response.json()["address"]
    assert (address["lat"], address["lon"]) == (60.1980, 24.9600)
    assert address["quality"]["score"] == 100
    assert address["quality"]["geocoded"] is False
    (reason,) = address["quality"]["reasons"]
    assert reason["code"] == "pin_moved"  # not far_from_text: the person knows the door
    assert reason["message"] == (
        "The pin was moved by API key “test”, 525 m from where the text puts the door."
    )


def test_recipient_window_and_notes_are_corrected(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    number = create_shipment(client, org, instructions="Ring twice")["tracking_number"]
    window = {"start": "2026-11-25T10:00:00+02:00", "end": "2026-11-25T12:00:00+02:00"}
    body = {
        "recipient": {"name": "Aino Korhonen", "phone": "+358 40 765 4321"},
        "window": window,
        "instructions": None,
    }

    corrected = _patch(client, org, number, body).json()

    assert corrected["recipient"]["name"] == "Aino Korhonen"
    assert corrected["recipient"]["phone"] == "+358407654321"
    assert datetime.fromisoformat(corrected["window"]["start"]) == datetime.fromisoformat(
        window["start"]
    )
    assert corrected["delivery_date"] == "2026-11-25"
    assert corrected["instructions"] is None
    (entry,) = _audit(db, number)
    assert entry.after is not None
    assert set(entry.after) >= {"recipient_name", "recipient_phone", "window_start"}
    assert "address_text" not in entry.after  # only what changed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": {"lat": 91.0, "lon": 24.9}}, "address.lat"),
        ({"address": {"lat": 60.1}}, "address"),
        ({"address": {}}, "address"),
        ({"address": {"text": "   "}}, "address"),
        ({"address": {"text": "x" * 501}}, "address.text"),
        ({"recipient": {"phone": "call me maybe"}}, "recipient.phone"),
        ({"recipient": {"name": None}}, "recipient"),
        (
            {"window": {"start": "2026-11-25T12:00:00Z", "end": "2026-11-25T10:00:00Z"}},
            "window",
        ),
        ({"instructions": "x" * 2001}, "instructions"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_bad_field_is_named(
    client: TestClient, org: OrgHandle, body: dict[str, Any], field: str
) -> None:
    number = create_shipment(client, org)["tracking_number"]

    response = _patch(client, org, number, body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_phone_that_cannot_be_one_is_named(client: TestClient, org: OrgHandle) -> None:
    number = create_shipment(client, org)["tracking_number"]

    response = _patch(client, org, number, {"recipient": {"phone": "12"}})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "recipient.phone"


def test_delivered_and_cancelled_shipments_answer_409_naming_the_status(
    client: TestClient, org: OrgHandle
) -> None:
    delivered = create_shipment(client, org)["tracking_number"]
    post_event(client, org, delivered, status="out_for_delivery")
    assert post_event(client, org, delivered, status="delivered")[0] == 201
    cancelled = create_shipment(client, org)["tracking_number"]
    client.post(
        f"/api/v1/shipments/{cancelled}/cancel", json={"reason": "asked"}, headers=org.headers
    )

    for number, status in ((delivered, "delivered"), (cancelled, "cancelled")):
        response = _patch(client, org, number, {"instructions": "Side door"})
        assert response.status_code == 409, response.text
        assert f"is {status}" in response.json()["detail"]


def test_another_organisations_shipment_is_not_found(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    number = create_shipment(client, org)["tracking_number"]

    response = _patch(client, other_org, number, {"instructions": "mine now"})

    assert response.status_code == 404


@pytest.mark.usefixtures("pinned")
def test_a_planned_stop_is_re_timed_to_its_new_point(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    hub_id = _hub(client, org)
    near = _order(client, org, hub_id, NEAR)
    other = _order(client, org, hub_id, (HUB[0] + 0.002, HUB[1]))
    route = _route(client, org, hub_id)
    before = {s["tracking_number"]: s for s in route["stops"]}

    moved = _patch(client, org, near, {"address": {"lat": NORTH[0], "lon": NORTH[1]}})

    assert moved.status_code == 200, moved.text
    after = _get(client, org, route["id"])
    assert after["distance_m"] > route["distance_m"] + 10_000  # about 9 km there and back
    assert after["polyline6"] != route["polyline6"]
    arrivals = {s["tracking_number"]: s["planned_arrival"] for s in after["stops"]}
    assert arrivals != {n: s["planned_arrival"] for n, s in before.items()}
    assert set(arrivals) == {near, other}
    (entry,) = _audit(db, near)
    assert entry.after is not None
    assert entry.after["lat"] == NORTH[0]


def test_a_stop_moved_to_another_day_leaves_today_s_route(
    client: TestClient, org: OrgHandle
) -> None:
    """The driver's list and the board stop showing a shipment rescheduled to tomorrow."""
    hub_id = _hub(client, org)
    staying = _order(client, org, hub_id, NEAR)
    moving = _order(client, org, hub_id, (HUB[0] + 0.002, HUB[1]))
    route = _route(client, org, hub_id)
    tomorrow = {"start": "2026-11-25T08:00:00+02:00", "end": "2026-11-25T12:00:00+02:00"}

    moved = _patch(client, org, moving, {"window": tomorrow})

    assert moved.status_code == 200, moved.text
    assert moved.json()["delivery_date"] == "2026-11-25"
    after = _get(client, org, route["id"])
    assert [s["tracking_number"] for s in after["stops"]] == [staying]
    shipment = client.get(f"/api/v1/shipments/{moving}", headers=org.headers).json()
    assert shipment["status"] == "created"  # planned, not yet out: free to plan tomorrow
