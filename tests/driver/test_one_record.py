"""One delivery, one record: however an outcome is reported, every screen tells the same story.

Each reporting path (the driver app, the shipment events API, bulk events) is played on the
first stop of a started route; afterwards the stop, the Control Tower's KPIs, the driver's
scorecard and the tracking page's "stops away" of the next parcel must agree with the
shipments API.
"""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.billing.charges_helpers import add_card
from tests.common import OrgHandle
from tests.driver_app import STOPS, DriverDay, make_driver_day, sign_in

from lastmile.db import Database
from lastmile.orgsettings.service import get_rules, update_rules
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment
from lastmile.web.tracking.driver import live_map

Report = Callable[[TestClient, OrgHandle, DriverDay], None]


def _ok(response: Any) -> None:
    assert response.status_code in (200, 201), response.text


def app_deliver(client: TestClient, org: OrgHandle, day: DriverDay) -> None:
    stop = day.stop_ids[0]
    _ok(client.post(f"/api/v1/driver/stops/{stop}/arrive", json=day.action(), headers=day.headers))
    _ok(client.post(f"/api/v1/driver/stops/{stop}/deliver", json=day.action(), headers=day.headers))


def app_fail(client: TestClient, org: OrgHandle, day: DriverDay) -> None:
    stop = day.stop_ids[0]
    body = day.action(reason="not_home", note="nobody answered")
    _ok(client.post(f"/api/v1/driver/stops/{stop}/fail", json=body, headers=day.headers))


def events_delivered(client: TestClient, org: OrgHandle, day: DriverDay) -> None:
    path = f"/api/v1/shipments/{day.tracking_numbers[0]}/events"
    _ok(client.post(path, json={"status": "arriving"}, headers=org.headers))
    _ok(client.post(path, json={"status": "delivered"}, headers=org.headers))


def events_attempted(client: TestClient, org: OrgHandle, day: DriverDay) -> None:
    path = f"/api/v1/shipments/{day.tracking_numbers[0]}/events"
    body = {"status": "attempted", "reason": "not_home"}
    _ok(client.post(path, json=body, headers=org.headers))


def bulk_delivered(client: TestClient, org: OrgHandle, day: DriverDay) -> None:
    events = [
        {"tracking_number": day.tracking_numbers[0], "status": "delivered"},
        {"tracking_number": "NOSUCHPARCEL", "status": "delivered"},
    ]
    answer = client.post(
        "/api/v1/shipments/events/bulk", json={"events": events}, headers=org.headers
    )
    _ok(answer)
    assert answer.json()["applied"] == 1
    assert [e["index"] for e in answer.json()["errors"]] == [1]


PATHS: dict[str, tuple[Report, str, str]] = {
    "app-deliver": (app_deliver, "delivered", "completed"),
    "app-fail": (app_fail, "attempted", "failed"),
    "events-delivered": (events_delivered, "delivered", "completed"),
    "events-attempted": (events_attempted, "attempted", "failed"),
    "bulk-delivered": (bulk_delivered, "delivered", "completed"),
}


def _started_day(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    """The three-stop day, signed in, on shift, route started, its parcels assigned as a
    committed plan assigns them, and the tracking page showing the driver up to 5 stops away."""
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    with db.session() as session:
        session.execute(
            update(Shipment)
            .where(Shipment.id.in_([uuid.UUID(s) for s in day.shipment_ids]))
            .values(driver_id=uuid.UUID(day.driver_id))
        )
        update_rules(session=session, org_id=org.org_id, changes={"driver_visible_stops_away": 5})
        session.commit()
    shift = day.action(vehicle_id=day.vehicle_id)
    _ok(client.post("/api/v1/driver/shift/start", json=shift, headers=day.headers))
    _ok(client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers))
    return day


def _stops_away(db: Database, org: OrgHandle, tracking_number: str) -> int | None:
    with db.session() as session:
        shipment = shipments.get_shipment(
            session=session, org_id=org.org_id, tracking_number=tracking_number
        )
        rules = get_rules(session=session, org_id=org.org_id)
        shown = live_map(session=session, shipment=shipment, rules=rules)
        return None if shown is None else shown.stops_away


@pytest.mark.parametrize("path", list(PATHS))
def test_every_reporting_path_tells_every_screen_the_same_story(
    path: str, client: TestClient, db: Database, org: OrgHandle
) -> None:
    report, shipment_status, stop_status = PATHS[path]
    day = _started_day(client, db, org)
    assert _stops_away(db, org, day.tracking_numbers[1]) == 2

    report(client, org, day)

    shipment = client.get(f"/api/v1/shipments/{day.tracking_numbers[0]}", headers=org.headers)
    assert shipment.json()["status"] == shipment_status
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert [s["status"] for s in route["stops"]] == [stop_status, "pending", "pending"]
    kpis = client.get("/api/v1/control-tower/board", headers=org.headers).json()["kpis"]
    delivered = 1 if shipment_status == "delivered" else 0
    listed = client.get(
        "/api/v1/shipments", params={"status": "delivered"}, headers=org.headers
    ).json()["items"]
    assert kpis["delivered"] == len(listed) == delivered
    assert (kpis["failed"], kpis["remaining"]) == (1 - delivered, 2)
    [card] = [
        c
        for c in client.get("/api/v1/analytics/drivers", headers=org.headers).json()
        if c["driver_id"] == day.driver_id
    ]
    assert (card["delivered"], card["failed"], card["stops_planned"]) == (
        delivered,
        1 - delivered,
        3,
    )
    assert _stops_away(db, org, day.tracking_numbers[1]) == 1


def test_a_late_event_from_the_past_leaves_the_stop_with_the_present(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """A scan dated before the route started is history: the open stop stays open."""
    day = _started_day(client, db, org)
    path = f"/api/v1/shipments/{day.tracking_numbers[0]}/events"
    early = (day.clock.replace(year=day.clock.year - 1)).isoformat()
    answer = client.post(path, json={"status": "at_hub", "at": early}, headers=org.headers)
    assert answer.status_code == 201, answer.text
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert route["stops"][0]["status"] == "pending"


def test_cancelling_a_parcel_on_a_route_closes_its_stop(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started_day(client, db, org)
    answer = client.post(
        f"/api/v1/shipments/{day.tracking_numbers[2]}/cancel",
        json={"reason": "merchant cancelled the order"},
        headers=org.headers,
    )
    assert answer.status_code == 200, answer.text
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert [s["status"] for s in route["stops"]] == ["pending", "pending", "failed"]
    assert route["progress"]["remaining"] == 2


def test_the_last_outcome_through_the_events_api_completes_the_route(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started_day(client, db, org)
    for number in day.tracking_numbers:
        answer = client.post(
            f"/api/v1/shipments/{number}/events", json={"status": "delivered"}, headers=org.headers
        )
        assert answer.status_code == 201, answer.text
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert route["status"] == "completed"
    assert route["progress"]["delivered"] == len(STOPS)
    assert uuid.UUID(route["id"]) == uuid.UUID(day.route_id)


def test_an_attempt_reported_turned_delivered_later_adds_adjusting_charges_and_completes_its_stop(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """The driver reported "not home", finished the route, and the delivery was reported late
    (the recipient came down as the van was leaving): the failed-attempt lines stay as they
    were, reversed by new lines, and the stop reads completed on the completed route."""
    add_card(client, org)
    day = _started_day(client, db, org)
    first, *others = day.tracking_numbers
    events = f"/api/v1/shipments/{first}/events"
    body = {"status": "attempted", "reason": "not_home"}
    _ok(client.post(events, json=body, headers=org.headers))
    for number in others:
        delivered = {"status": "delivered"}
        _ok(client.post(f"/api/v1/shipments/{number}/events", json=delivered, headers=org.headers))
    charges = f"/api/v1/shipments/{first}/charges"
    attempt = client.get(charges, headers=org.headers).json()["lines"]
    assert sorted(line["kind"] for line in attempt) == ["failed_attempt", "fuel"]
    assert client.get("/api/v1/driver/route", headers=day.headers).json()["status"] == "completed"

    corrected = client.post(events, json={"status": "delivered"}, headers=org.headers)
    replayed = client.post(events, json={"status": "delivered"}, headers=org.headers)

    assert corrected.status_code == 201, corrected.text
    assert replayed.status_code == 409  # delivered is final: nothing more to charge
    shipment = client.get(f"/api/v1/shipments/{first}", headers=org.headers).json()
    assert shipment["status"] == "delivered"
    lines = client.get(charges, headers=org.headers).json()
    assert lines["lines"][: len(attempt)] == attempt
    reversals = [line for line in lines["lines"] if line["reverses"]]
    assert sorted((r["kind"], r["amount"]) for r in reversals) == sorted(
        (a["kind"], f"-{a['amount']}") for a in attempt
    )
    delivery = [line for line in lines["lines"][len(attempt) :] if not line["reverses"]]
    assert sorted(line["kind"] for line in delivery) == ["base", "distance", "fuel"]
    net = sum(Decimal(line["amount"]) + Decimal(line["tax_amount"]) for line in delivery)
    assert Decimal(lines["total"]) == net
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    assert [s["status"] for s in route["stops"]] == ["completed"] * len(STOPS)
    assert route["status"] == "completed"
    assert route["progress"]["delivered"] == len(STOPS)
    kpis = client.get("/api/v1/control-tower/board", headers=org.headers).json()["kpis"]
    assert (kpis["delivered"], kpis["failed"]) == (len(STOPS), 0)
