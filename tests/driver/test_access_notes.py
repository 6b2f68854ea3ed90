"""Access notes learned from drivers' notes: the next driver to the address reads them, the
customer never does, a failed attempt's note is never kept."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.common import OrgHandle
from tests.driver_app import DriverDay, make_driver_day, sign_in

from lastmile.addresses.access_notes import KEEP, earlier_notes, learn_note
from lastmile.db import Database, new_id

GATE = "gate code 1234, entrance from the yard"
NOT_HOME = "not home, neighbour says she is on holiday"


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, response.text
    body: dict[str, Any] = response.json()
    return body


def _first_day_with_notes(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    """Stop 0 ("Street 0") delivered with a note, stop 1 ("Street 1") failed with one."""
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    _ok(client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers))
    first, second, _ = day.stop_ids
    url = "/api/v1/driver/stops/{}/{}"
    _ok(client.post(url.format(first, "deliver"), json=day.action(note=GATE), headers=day.headers))
    failed = day.action(reason="not_home", note=NOT_HOME)
    _ok(client.post(url.format(second, "fail"), json=failed, headers=day.headers))
    return day


def _notes_by_address(client: TestClient, day: DriverDay) -> dict[str, list[str]]:
    route = _ok(client.get("/api/v1/driver/route", headers=day.headers))
    return {s["address"]: [n["note"] for n in s["earlier_notes"]] for s in route["stops"]}


def test_the_next_driver_to_the_address_reads_the_note_of_the_delivery_only(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    first = _first_day_with_notes(client, db, org)
    # The stop the note was written at does not call it an earlier one.
    assert _notes_by_address(client, first)["Street 0"] == []

    later = sign_in(client, make_driver_day(client, db, org, phone="+358401112299", plate="DRV-2"))
    assert _notes_by_address(client, later) == {"Street 0": [GATE], "Street 1": [], "Street 2": []}
    stop = _ok(client.get("/api/v1/driver/route", headers=later.headers))["stops"][0]
    assert datetime.fromisoformat(stop["earlier_notes"][0]["at"]) > datetime.now(UTC) - timedelta(
        hours=3
    )

    elsewhere = sign_in(
        client, make_driver_day(client, db, other_org, phone="+358401112277", plate="DRV-3")
    )
    assert _notes_by_address(client, elsewhere)["Street 0"] == []


def test_the_customer_never_sees_a_drivers_note(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    first = _first_day_with_notes(client, db, org)
    later = make_driver_day(client, db, org, phone="+358401112299", plate="DRV-2")
    for number in (first.tracking_numbers[0], first.tracking_numbers[1], later.tracking_numbers[0]):
        shipment = _ok(client.get(f"/api/v1/shipments/{number}", headers=org.headers))
        page = client.get(shipment["tracking_url"].removeprefix("http://testserver"))
        assert page.status_code == 200, page.text
        assert "1234" not in page.text
        assert "yard" not in page.text
        assert "holiday" not in page.text
        assert "earlier deliveries" not in page.text


def test_only_the_latest_notes_of_an_address_are_kept(session: Session, org: OrgHandle) -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for n in range(KEEP + 2):
        learn_note(
            session=session,
            org_id=org.org_id,
            address_text="Mäkelänkatu 12 B, Helsinki",
            note=f"code {n}",
            shipment_id=new_id(),
            actor="driver:test",
            at=start + timedelta(days=n),
        )
    found = earlier_notes(session=session, org_id=org.org_id, texts=["makelankatu 12 b helsinki"])
    (notes,) = found.values()
    assert [n.note for n in notes] == [f"code {n}" for n in reversed(range(2, KEEP + 2))]
    street = learn_note(
        session=session,
        org_id=org.org_id,
        address_text="Mäkelänkatu, Helsinki",
        note="blue door",
        shipment_id=new_id(),
        actor="driver:test",
        at=start,
    )
    assert street is None
