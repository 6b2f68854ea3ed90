"""The page's forms without JavaScript: POST, validate naming the field, redirect."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, post_event

from lastmile.db import Database
from lastmile.orgsettings.service import OrgRules
from lastmile.shipments.models import Shipment
from lastmile.web.tracking.actions import HubDays, reschedule_days

UTC_EVERY_DAY = HubDays(zone=ZoneInfo("UTC"))


def _path(shipment: dict[str, str]) -> str:
    return shipment["tracking_url"].removeprefix("http://testserver")


def _secret(client: TestClient, path: str) -> str:
    found = re.search(r'name="form_secret" value="([0-9a-f]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _shipment(db: Database, shipment_id: str) -> Shipment:
    with db.session() as session:
        row = session.get(Shipment, uuid.UUID(shipment_id))
        assert row is not None
        session.expunge(row)
        return row


def test_instructions_and_safe_place_are_saved(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)
    path = _path(shipment)
    answer = client.post(
        f"{path}/instructions",
        data={
            "form_secret": _secret(client, path),
            "safe_place": "back_door",
            "instructions": "Ring twice",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{path}?saved=instructions#instructions"
    row = _shipment(db, shipment["id"])
    assert (row.safe_place, row.instructions) == ("back_door", "Ring twice")
    api = client.get(f"/api/v1/shipments/{shipment['tracking_number']}", headers=org.headers)
    assert api.json()["safe_place"] == "back_door"
    page = client.get(answer.headers["location"]).text
    assert "your delivery instructions are saved" in page
    assert '<option value="back_door" selected>' in page
    assert "Ring twice</textarea>" in page


def test_a_custom_safe_place_needs_a_description(client: TestClient, org: OrgHandle) -> None:
    path = _path(create_shipment(client, org))
    answer = client.post(
        f"{path}/instructions",
        data={"form_secret": _secret(client, path), "safe_place": "custom", "instructions": ""},
    )
    assert answer.status_code == 422
    assert "Instructions: describe the safe place you chose" in answer.text
    assert 'aria-invalid="true" aria-describedby="err-instructions-instructions"' in answer.text


def test_an_unknown_safe_place_is_named(client: TestClient, org: OrgHandle) -> None:
    path = _path(create_shipment(client, org))
    answer = client.post(
        f"{path}/instructions",
        data={"form_secret": _secret(client, path), "safe_place": "roof", "instructions": ""},
    )
    assert answer.status_code == 422
    assert "Safe place: &#39;roof&#39; is not one of the offered places" in answer.text


def test_a_form_without_the_link_secret_is_refused(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    mine, other = create_shipment(client, org), create_shipment(client, org)
    for secret in ("", _secret(client, _path(other))):
        answer = client.post(
            f"{_path(mine)}/instructions",
            data={"form_secret": secret, "safe_place": "garage", "instructions": "x"},
        )
        assert answer.status_code == 403
    assert _shipment(db, mine["id"]).safe_place is None


def test_instructions_close_once_delivered(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    path = _path(shipment)
    secret = _secret(client, path)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="delivered")
    assert 'action="' + path + '/instructions"' not in client.get(path).text
    answer = client.post(
        f"{path}/instructions",
        data={"form_secret": secret, "safe_place": "garage", "instructions": ""},
    )
    assert answer.status_code == 409
    assert "nothing to change" in answer.text


def _open_day(rules: OrgRules) -> str:
    return reschedule_days(rules, datetime.now(UTC), UTC_EVERY_DAY)[0].day.isoformat()


def test_reschedule_moves_the_promised_window_and_notes_it(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)
    path = _path(shipment)
    day = _open_day(OrgRules())
    answer = client.post(
        f"{path}/reschedule",
        data={"form_secret": _secret(client, path), "date": day, "window": "12:00-16:00"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    row = _shipment(db, shipment["id"])
    assert row.delivery_date.isoformat() == day
    assert row.window_start is not None
    assert row.window_end is not None
    assert row.window_start.astimezone(UTC).hour == 12
    assert row.window_end - row.window_start == timedelta(hours=4)
    promised = row.window_start.astimezone(UTC).strftime("%a %d %b, %H:%M")
    assert f">{promised}</time>" in client.get(path).text


def test_reschedule_names_the_field_at_fault(client: TestClient, org: OrgHandle) -> None:
    path = _path(create_shipment(client, org))
    secret = _secret(client, path)
    far = (datetime.now(UTC) + timedelta(days=30)).date()
    cases = [
        ({"date": "tomorrow", "window": "08:00-12:00"}, "Date: &#39;tomorrow&#39; is not a date"),
        ({"date": far.isoformat(), "window": "08:00-12:00"}, f"Date: {far:%A %d %B} is not open"),
        ({"date": _open_day(OrgRules()), "window": "03:00-04:00"}, "Window: &#39;03:00-04:00&#39;"),
    ]
    for data, message in cases:
        answer = client.post(f"{path}/reschedule", data={"form_secret": secret, **data})
        assert answer.status_code == 422
        assert message in answer.text


def test_reschedule_is_closed_while_out_for_delivery(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    path = _path(shipment)
    secret = _secret(client, path)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    assert "the day can no longer be changed" in client.get(path).text
    answer = client.post(
        f"{path}/reschedule",
        data={"form_secret": secret, "date": _open_day(OrgRules()), "window": "08:00-12:00"},
    )
    assert answer.status_code == 409
    assert "Out for delivery" in answer.text or "out for delivery" in answer.text


def test_reschedule_reopens_after_a_failed_attempt(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org)
    path = _path(shipment)
    number = shipment["tracking_number"]
    post_event(client, org, number, status="out_for_delivery")
    post_event(client, org, number, status="attempted", reason="nobody home")
    day = _open_day(OrgRules())
    answer = client.post(
        f"{path}/reschedule",
        data={"form_secret": _secret(client, path), "date": day, "window": "16:00-20:00"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    row = _shipment(db, shipment["id"])
    assert row.delivery_date.isoformat() == day
    assert row.status.value == "attempted"
    events = client.get(f"/api/v1/shipments/{number}/events", headers=org.headers).json()
    assert events[-1]["status"] == "attempted"
    assert events[-1]["actor"] == "recipient"
    assert "Rescheduled by the recipient" in events[-1]["note"]
    assert "Rescheduled by the recipient" in client.get(path).text


def test_the_cut_off_closes_tomorrow() -> None:
    rules = OrgRules(timezone="Europe/Helsinki", reschedule_cutoff="18:00", reschedule_days_ahead=3)
    before = datetime(2026, 11, 24, 15, 59, tzinfo=UTC)  # 17:59 in Helsinki
    after = datetime(2026, 11, 24, 16, 1, tzinfo=UTC)  # 18:01
    helsinki = HubDays(zone=ZoneInfo("Europe/Helsinki"))
    assert [c.day.day for c in reschedule_days(rules, before, helsinki)] == [25, 26, 27]
    assert [c.day.day for c in reschedule_days(rules, after, helsinki)] == [26, 27]


def test_only_days_the_hub_opens_are_offered() -> None:
    weekdays = HubDays(
        zone=ZoneInfo("Europe/Helsinki"),
        hours=tuple((day, "08:00", "18:00") for day in ("mon", "tue", "wed", "thu", "fri")),
    )
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    offered = reschedule_days(OrgRules(reschedule_days_ahead=4), friday, weekdays)
    assert [c.day.isoformat() for c in offered] == ["2026-11-30", "2026-12-01"]


def test_a_helsinki_customer_gets_the_window_they_picked(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """The organisation's clock is UTC; the hub's, shown on the page, is Helsinki's."""
    hub = client.post(
        "/api/v1/hubs",
        json=hub_body(timezone="Europe/Helsinki", opening_hours={}),
        headers=org.headers,
    )
    assert hub.status_code == 201, hub.text
    shipment = create_shipment(client, org, hub_id=hub.json()["id"])
    path = _path(shipment)
    page = client.get(path).text
    day = re.search(r'<option value="(\d{4}-\d{2}-\d{2})"', page)
    assert day is not None

    answer = client.post(
        f"{path}/reschedule",
        data={"form_secret": _secret(client, path), "date": day.group(1), "window": "12:00-16:00"},
        follow_redirects=False,
    )

    assert answer.status_code == 303, answer.text
    row = _shipment(db, shipment["id"])
    assert row.window_start is not None
    local = row.window_start.astimezone(ZoneInfo("Europe/Helsinki"))
    assert (local.date().isoformat(), local.hour) == (day.group(1), 12)
    assert f">{local:%a %d %b, %H:%M}</time>" in client.get(path).text  # "Promised for … 12:00"
