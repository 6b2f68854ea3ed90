"""The shipment detail in words: its current status (never the last timeline row) and each
timeline actor by name (never a raw id)."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import (
    ADMIN_EMAIL,
    OrgHandle,
    create_shipment,
    make_admin,
    make_driver,
    post_event,
)

from lastmile.db import Database
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status
from lastmile.shipments.timeline import append_event


def test_the_status_is_the_shipments_even_when_older_events_sort_last(
    client: TestClient, org: OrgHandle
) -> None:
    """The demo's day starts before its orders are made: events stamped before the creation."""
    number = create_shipment(client, org)["tracking_number"]
    earlier = datetime.now(UTC) - timedelta(minutes=30)
    for minutes, status in [(0, "at_hub"), (10, "out_for_delivery")]:
        at = (earlier + timedelta(minutes=minutes)).isoformat()
        assert post_event(client, org, number, status=status, at=at)[0] == 201

    detail = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()

    assert detail["timeline"][-1]["status"] == "created"  # time order, as the history reads
    assert detail["status"] == "out_for_delivery"
    assert detail["status_label"] == "Out for delivery"


def test_the_timeline_names_drivers_users_keys_customers_and_the_system(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    number = create_shipment(client, org)["tracking_number"]
    driver_id = make_driver(client, org, name="Mikko Lahtinen")["id"]
    make_admin(db, org)
    actors = [
        (Status.AT_HUB, f"user:{ADMIN_EMAIL}"),
        (Status.OUT_FOR_DELIVERY, f"driver:{driver_id}"),
        (Status.ATTEMPTED, "recipient"),
        (Status.OUT_FOR_DELIVERY, f"driver:{uuid.uuid4()}"),
        (Status.RETURNED_TO_HUB, "system:end-of-day"),
    ]
    with db.session() as session:
        shipment = session.scalars(select(Shipment).where(Shipment.tracking_number == number)).one()
        for status, actor in actors:
            append_event(session=session, shipment=shipment, status=status, actor=actor, reason="x")
        session.commit()

    response = client.get(f"/api/v1/shipments/{number}", headers=org.headers)
    assert response.status_code == 200, response.text
    detail = response.json()
    events = client.get(f"/api/v1/shipments/{number}/events", headers=org.headers).json()

    expected = [
        "API key test",
        "Ada Admin",
        "Mikko Lahtinen",
        "Customer",
        "Driver",  # a driver since deleted: a word, not the id
        "System",
    ]
    assert [e["actor_name"] for e in detail["timeline"]] == expected
    assert [e["actor_name"] for e in events] == expected
    assert detail["timeline"][2]["actor"] == f"driver:{driver_id}"
