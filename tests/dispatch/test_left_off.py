"""An order the committed plan leaves off is not forgotten: the header counts it, one alert
names it and why in plain words (resolved once it is on a route or cancelled), and its
tracking page says delivery is being arranged instead of promising the window alone."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from tests.common import OrgHandle, post_event
from tests.dispatch.test_views import DAY, _crew, _hub, _order

from lastmile.alerts import service as alerts
from lastmile.alerts.models import AlertStatus
from lastmile.alerts.signals import AlertKind
from lastmile.alerts.unplanned import unplanned_alerts
from lastmile.analytics.kpis import day_kpis
from lastmile.db import Database

NOW = datetime.fromisoformat(f"{DAY}T07:00:00+02:00").astimezone(UTC)
EARLY = {"start": f"{DAY}T05:00:00+02:00", "end": f"{DAY}T06:00:00+02:00"}
"""Before the hub opens at 08:00: no van can reach it, so the plan leaves it off."""


def _plan_and_commit(client: TestClient, org: OrgHandle, hub: dict[str, Any]) -> str:
    """Plan the hub's day with one van, commit it; the route's id."""
    drivers, vehicles = _crew(client, org, 1)
    body = {"hub_id": hub["id"], "date": DAY, "driver_ids": drivers, "vehicle_ids": vehicles}
    plan = client.post("/api/v1/plans", json=body | {"time_limit_s": 0.5}, headers=org.headers)
    assert plan.status_code == 201, plan.text
    committed = client.post(f"/api/v1/plans/{plan.json()['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text
    [route] = committed.json()["routes"]
    return str(route["id"])


def _alerts_after_sweep(db: Database, org: OrgHandle) -> dict[str, tuple[str, str]]:
    """Run the detector; the unplanned-order alerts by tracking number: (status, title)."""
    with db.session() as session:
        unplanned_alerts(session, now=NOW)
        session.commit()
    with db.session() as session:
        found = alerts.list_alerts(
            session, org_id=org.org_id, statuses=list(AlertStatus), kind=AlertKind.UNPLANNED_ORDER
        )
        return {a.details["tracking_number"]: (a.status.value, a.title) for a in found}


def _unplanned_count(db: Database, org: OrgHandle, hub: dict[str, Any]) -> int:
    with db.session() as session:
        day = date.fromisoformat(DAY)
        return day_kpis(session, org_id=org.org_id, day=day, hub_id=uuid.UUID(hub["id"])).unplanned


def _needing_attention(client: TestClient, org: OrgHandle, flag: str) -> set[str]:
    """The day's orders the Orders tab lists with "Needs attention" ticked (or, `false`, not)."""
    params = {"date": DAY, "needs_attention": flag, "limit": "500"}
    answer = client.get("/api/v1/shipments", params=params, headers=org.headers)
    assert answer.status_code == 200, answer.text
    counts = client.get("/api/v1/shipments/counts", params=params, headers=org.headers).json()
    numbers = {item["tracking_number"] for item in answer.json()["items"]}
    assert sum(counts.values()) == len(numbers)
    return numbers


def test_an_order_left_off_is_counted_alerted_and_resolved_once_routed_or_cancelled(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hub = _hub(client, org)
    routed = _order(client, org, hub["id"], 1)
    late = _order(client, org, hub["id"], 2, window=EARLY)
    dropped = _order(client, org, hub["id"], 3, window=EARLY)
    assert _alerts_after_sweep(db, org) == {}  # no plan committed: nothing is left off yet
    assert _needing_attention(client, org, "true") == set()
    route_id = _plan_and_commit(client, org, hub)

    assert _unplanned_count(db, org, hub) == 2
    left = {late["tracking_number"], dropped["tracking_number"]}
    assert _needing_attention(client, org, "true") == left
    assert _needing_attention(client, org, "false") == {routed["tracking_number"]}
    raised = _alerts_after_sweep(db, org)
    assert set(raised) == {late["tracking_number"], dropped["tracking_number"]}
    status, title = raised[late["tracking_number"]]
    assert status == "open"
    assert late["tracking_number"] in title
    assert "no van can reach it within its delivery window" in title
    assert _alerts_after_sweep(db, org) == raised  # a second sweep raises nothing new

    fixed = {"window": {"start": f"{DAY}T10:00:00+02:00", "end": f"{DAY}T12:00:00+02:00"}}
    response = client.patch(
        f"/api/v1/shipments/{late['tracking_number']}", json=fixed, headers=org.headers
    )
    assert response.status_code == 200, response.text
    response = client.post(
        f"/api/v1/routes/{route_id}/insert",
        json={"shipment": late["tracking_number"]},
        headers=org.headers,
    )
    assert response.status_code == 200, response.text
    code, body = post_event(
        client, org, dropped["tracking_number"], status="cancelled", reason="customer_request"
    )
    assert code in (200, 201), body

    assert _unplanned_count(db, org, hub) == 0
    assert _needing_attention(client, org, "true") == set()
    after = _alerts_after_sweep(db, org)
    assert {number: status for number, (status, _) in after.items()} == {
        late["tracking_number"]: "resolved",
        dropped["tracking_number"]: "resolved",
    }


def test_the_tracking_page_of_an_order_on_no_route_says_delivery_is_being_arranged(
    client: TestClient, org: OrgHandle
) -> None:
    hub = _hub(client, org)
    planned = _order(client, org, hub["id"], 1)
    left = _order(client, org, hub["id"], 2, window=EARLY)
    before = client.get(_path(left["tracking_url"]))
    assert "Promised for" in before.text
    assert 'id="arranging"' not in before.text  # no plan yet: the window still stands

    _plan_and_commit(client, org, hub)

    page = client.get(_path(left["tracking_url"]))
    assert page.status_code == 200, page.text
    assert "Promised for" in page.text  # the merchant's window is still shown
    assert "still arranging your delivery" in page.text
    assert 'id="arranging"' not in client.get(_path(planned["tracking_url"])).text


def _path(url: str) -> str:
    return url[url.index("/t/") :]
