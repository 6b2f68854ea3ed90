"""The customer's history: in the order things happened, readable reasons, no staff notes."""

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment, post_event


def _statuses(page: str) -> list[str]:
    history = page[page.index('id="timeline"') :]
    return re.findall(r'<li data-status="([a-z_]+)"', history)


def test_the_history_reads_in_time_order_with_the_order_received_first(
    client: TestClient, org: OrgHandle
) -> None:
    # As in the demo: the order is imported after the day's first scans were stamped.
    shipment = create_shipment(client, org)
    number = shipment["tracking_number"]
    now = datetime.now(UTC).replace(microsecond=0)
    same = now - timedelta(minutes=10)
    for status, at in [
        ("out_for_delivery", now - timedelta(minutes=20)),
        ("arriving", same),
        ("at_hub", now - timedelta(minutes=30)),
    ]:
        code, body = post_event(client, org, number, status=status, at=at.isoformat())
        assert code == 201, body
    # Recorded after `arriving` but at the same moment: the lifecycle decides the tie.
    code, body = post_event(
        client, org, number, status="attempted", at=same.isoformat(), reason="refused"
    )
    assert code == 201, body

    page = client.get(shipment["tracking_url"].removeprefix("http://testserver")).text

    assert _statuses(page) == ["attempted", "arriving", "out_for_delivery", "at_hub", "created"]


def test_reasons_show_as_labels_and_notes_stay_internal(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    number = shipment["tracking_number"]
    for body in [
        {"status": "out_for_delivery", "note": "the driver left the hub with it"},
        {"status": "attempted", "reason": "refused", "note": "simulated: refused"},
        {"status": "out_for_delivery"},
        {"status": "exception", "reason": "van 3 broke down, call Pekka"},
    ]:
        code, answer = post_event(client, org, number, **body)
        assert code == 201, answer

    page = client.get(shipment["tracking_url"].removeprefix("http://testserver")).text
    history = page[page.index('id="timeline"') :]

    assert "Delivery attempted</strong>: Refused by the recipient" in history
    assert "simulated" not in page
    assert "left the hub" not in page
    assert "Pekka" not in page
    assert "Delayed: needs attention</strong><br>" in history
