"""A customer's thread with their driver: open only while the parcel is on its way and an hour
after the stop, one shipment per link, one organisation, authors by role only."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.common import OrgHandle, create_shipment
from tests.driver_app import DriverDay, make_driver_day, sign_in, start_the_day

from lastmile.app import create_app
from lastmile.config import Settings
from lastmile.contact.models import CustomerMessage
from lastmile.contact.window import thread_state
from lastmile.db import Database
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import Status


def _link(client: TestClient, org: OrgHandle, tracking_number: str) -> str:
    shipment = client.get(f"/api/v1/shipments/{tracking_number}", headers=org.headers).json()
    return "/t/" + str(shipment["tracking_url"]).rsplit("/t/", 1)[1]


def _on_the_way(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    """A driver (named "Driver DRV-1") who left with three parcels, each assigned to them."""
    day = start_the_day(client, sign_in(client, make_driver_day(client, db, org)))
    with db.session() as session:
        session.execute(
            update(Shipment)
            .where(Shipment.id.in_([uuid.UUID(s) for s in day.shipment_ids]))
            .values(driver_id=uuid.UUID(day.driver_id))
        )
        session.commit()
    return day


def _say(client: TestClient, link: str, body: str, **extra: Any) -> Any:
    return client.post(f"{link}/messages", json={"body": body, **extra})


def test_customer_and_driver_talk_and_each_sees_the_other_by_role_only(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    link = _link(client, org, day.tracking_numbers[0])
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/customer-messages"

    asked = _say(client, link, "  Is the parcel heavy? ")
    assert asked.status_code == 201, asked.text
    assert asked.json()["author"] == "You"
    assert asked.json()["body"] == "Is the parcel heavy?"

    seen = client.get(url, headers=day.headers).json()
    assert seen["open"] is True
    assert [(m["author"], m["body"]) for m in seen["messages"]] == [
        ("Customer", "Is the parcel heavy?")
    ]
    answer = day.action(body="I'm at the door")
    first = client.post(url, json=answer, headers=day.headers)
    replayed = client.post(url, json=answer, headers=day.headers)  # the outbox resends it
    assert first.status_code == replayed.status_code == 201, first.text
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert first.json()["author"] == "You"

    thread = client.get(f"{link}/messages").json()
    assert [(m["author"], m["body"], m["mine"]) for m in thread["messages"]] == [
        ("You", "Is the parcel heavy?", True),
        ("Your driver Driver", "I'm at the door", False),
    ]
    staff = client.get(
        f"/api/v1/shipments/{day.tracking_numbers[0]}/customer-messages", headers=org.headers
    ).json()
    assert [m["author"] for m in staff["messages"]] == ["Customer", "Driver Driver"]
    shown = str(thread) + str(staff) + str(seen)
    assert day.phone not in shown
    assert "+358" not in shown


def test_a_resent_customer_message_counts_once(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    link = _link(client, org, day.tracking_numbers[0])
    client_id = str(uuid.uuid4())
    first = _say(client, link, "Hello", client_id=client_id)
    again = _say(client, link, "Hello", client_id=client_id)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get(f"{link}/messages").json()["messages"]) == 1


def test_the_thread_is_closed_before_the_parcel_leaves_with_the_reason(
    client: TestClient, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)
    link = _link(client, org, shipment["tracking_number"])
    thread = client.get(f"{link}/messages").json()
    assert thread["open"] is False
    assert thread["closed_reason"] == "Messages open once your parcel is out for delivery."
    refused = _say(client, link, "Hello?")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "Messages open once your parcel is out for delivery."


def _deliver(client: TestClient, day: DriverDay, index: int) -> None:
    done = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[index]}/deliver",
        json=day.action(),
        headers=day.headers,
    )
    assert done.status_code == 200, done.text


def test_the_thread_stays_open_an_hour_after_delivery_then_closes(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    link = _link(client, org, day.tracking_numbers[0])
    day.clock = datetime.now(UTC) - timedelta(minutes=5)  # delivered 4 minutes ago
    _deliver(client, day, 0)
    assert _say(client, link, "Thanks, got it!").status_code == 201

    with db.session() as session:  # the delivery was 61 minutes ago
        session.execute(
            update(ShipmentEvent)
            .where(
                ShipmentEvent.shipment_id == uuid.UUID(day.shipment_ids[0]),
                ShipmentEvent.status == Status.DELIVERED,
            )
            .values(at=datetime.now(UTC) - timedelta(minutes=61))
        )
        session.commit()
    refused = _say(client, link, "One more thing")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Messages closed an hour after the delivery."
    driver = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/customer-messages",
        json=day.action(body="You're welcome"),
        headers=day.headers,
    )
    assert driver.status_code == 409
    thread = client.get(f"{link}/messages").json()
    assert thread["open"] is False
    assert [m["body"] for m in thread["messages"]] == ["Thanks, got it!"]  # still readable


def test_the_window_is_read_from_the_current_status_run() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    parcel = Shipment(status=Status.ATTEMPTED, updated_at=now)
    events = [
        ShipmentEvent(status=Status.OUT_FOR_DELIVERY, at=now - timedelta(hours=3)),
        ShipmentEvent(status=Status.ATTEMPTED, at=now - timedelta(minutes=70)),
        ShipmentEvent(status=Status.ATTEMPTED, at=now - timedelta(minutes=5)),  # a repeat
    ]
    state = thread_state(parcel, events, now)
    assert state.open is False
    assert state.reason == "Messages closed an hour after the delivery attempt."
    assert thread_state(parcel, events, now - timedelta(minutes=20)).open is True


def test_a_link_reads_and_writes_its_own_shipment_only(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    mine = _link(client, org, day.tracking_numbers[0])
    neighbour = _link(client, org, day.tracking_numbers[1])
    assert _say(client, mine, "Ring twice").status_code == 201
    assert client.get(f"{neighbour}/messages").json()["messages"] == []
    unknown = client.get("/t/" + "x" * 32 + "/messages")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    # the driver's other stop has its own thread
    other = client.get(
        f"/api/v1/driver/stops/{day.stop_ids[1]}/customer-messages", headers=day.headers
    ).json()
    assert other["messages"] == []


def test_another_organisation_sees_nothing(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    link = _link(client, org, day.tracking_numbers[0])
    assert _say(client, link, "Hello").status_code == 201
    number = day.tracking_numbers[0]
    for method in ("GET", "POST"):
        answer = client.request(
            method,
            f"/api/v1/shipments/{number}/customer-messages",
            headers=other_org.headers,
            json={"body": "hi"} if method == "POST" else None,
        )
        assert answer.status_code == 404, answer.text
    theirs = client.get(
        f"/api/v1/drivers/{day.driver_id}/customer-messages", headers=other_org.headers
    )
    assert theirs.status_code == 404, theirs.text  # another organisation's driver, as /messages
    ours = client.get(f"/api/v1/drivers/{day.driver_id}/customer-messages", headers=org.headers)
    assert [(m["tracking_number"], m["body"]) for m in ours.json()] == [(number, "Hello")]


def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    link = _link(client, org, day.tracking_numbers[0])
    for body in ("", "   ", "x" * 1001):
        answer = _say(client, link, body)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == ["body"]
    odd = client.post(f"{link}/messages", json={"body": "hi", "phone": "+358"})
    assert odd.status_code == 422
    assert [e["field"] for e in odd.json()["errors"]] == ["phone"]
    with db.session() as session:
        assert session.scalars(select(CustomerMessage)).all() == []


def test_a_dispatcher_writes_as_the_delivery_team(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    link = _link(client, org, day.tracking_numbers[0])
    url = f"/api/v1/shipments/{day.tracking_numbers[0]}/customer-messages"
    sent = client.post(url, json={"body": "The driver is 5 minutes away"}, headers=org.headers)
    assert sent.status_code == 201, sent.text
    assert [m["author"] for m in client.get(f"{link}/messages").json()["messages"]] == [
        "Delivery team"
    ]


def test_the_driver_calls_the_customer_without_seeing_the_number(
    client: TestClient, db: Database, org: OrgHandle, caplog: Any
) -> None:
    day = _on_the_way(client, db, org)
    thread = client.get(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/customer-messages", headers=day.headers
    ).json()
    assert thread["can_call"] is True  # the customer left a number: the button is offered
    with caplog.at_level("INFO", logger="lastmile.contact.calls"):
        answer = client.post(f"/api/v1/driver/stops/{day.stop_ids[0]}/call", headers=day.headers)
    assert answer.status_code == 200, answer.text
    assert "+358" not in answer.text
    assert "call bridged" in caplog.text
    assert "+358" not in caplog.text
    assert day.phone not in caplog.text
    stranger = make_driver_day(client, db, org, phone="+358409998887", plate="DRV-2")
    stranger = sign_in(client, stranger)
    refused = client.post(f"/api/v1/driver/stops/{day.stop_ids[0]}/call", headers=stranger.headers)
    assert refused.status_code == 404  # not their stop


def test_with_masked_calls_the_route_carries_no_customer_number(
    client: TestClient, db: Database, org: OrgHandle, settings: Settings
) -> None:
    day = _on_the_way(client, db, org)
    stops = client.get("/api/v1/driver/route", headers=day.headers).json()["stops"]
    assert [s["recipient_phone"] for s in stops] == [None, None, None]
    arrived = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/arrive", json=day.action(), headers=day.headers
    )
    assert arrived.json()["stop"]["recipient_phone"] is None

    plain = settings.model_copy(update={"call_masking": "off"})
    with TestClient(create_app(plain, database=db)) as unmasked:
        stops = unmasked.get("/api/v1/driver/route", headers=day.headers).json()["stops"]
        assert all(s["recipient_phone"] for s in stops)  # the driver dials it themselves
        refused = unmasked.post(f"/api/v1/driver/stops/{day.stop_ids[0]}/call", headers=day.headers)
        assert refused.status_code == 409
        assert "not set up" in refused.json()["detail"]


def test_without_the_customers_number_no_call_is_offered(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _on_the_way(client, db, org)
    with db.session() as session:  # a shipment made with an address and no phone number
        session.execute(
            update(Shipment)
            .where(Shipment.tracking_number == day.tracking_numbers[0])
            .values(recipient_phone=None)
        )
        session.commit()
    thread = client.get(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/customer-messages", headers=day.headers
    ).json()
    assert thread["can_call"] is False
    assert thread["open"] is True  # messages are still offered
