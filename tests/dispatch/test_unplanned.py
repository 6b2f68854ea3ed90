"""The day's unplanned orders of a hub, for the Control Tower's Plan tab: before any plan every
order waits for one; after a plan, those it left out say why; those it planned are gone."""

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.dispatch.test_views import DAY, _crew, _hub, _order

from lastmile.api import deps


def test_unplanned_orders_wait_for_a_plan_then_say_why_they_were_left_out(
    app: FastAPI, client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    pinned = datetime.fromisoformat(f"{DAY}T08:05:00+02:00").astimezone(UTC)
    app.dependency_overrides[deps.now] = lambda: pinned
    hub = _hub(client, org)
    drivers, vehicles = _crew(client, org, 1)
    fits = _order(client, org, hub["id"], 1)
    too_big = _order(client, org, hub["id"], 90, weight_kg=5000.0)
    other_day = _order(
        client,
        org,
        hub["id"],
        2,
        window={"start": "2026-11-25T09:00:00+02:00", "end": "2026-11-25T11:00:00+02:00"},
    )
    url = f"/api/v1/hubs/{hub['id']}/unplanned?date={DAY}"

    before = client.get(url, headers=org.headers)
    assert before.status_code == 200, before.text
    assert (before.json()["count"], before.json()["plan_id"]) == (2, None)
    waiting = {o["tracking_number"]: o for o in before.json()["orders"]}
    assert set(waiting) == {fits["tracking_number"], too_big["tracking_number"]}
    assert other_day["tracking_number"] not in waiting
    assert waiting[too_big["tracking_number"]]["reason"] is None  # no plan has tried it

    body = {"hub_id": hub["id"], "date": DAY, "driver_ids": drivers, "vehicle_ids": vehicles}
    plan = client.post("/api/v1/plans", json=body | {"time_limit_s": 0.5}, headers=org.headers)
    assert plan.status_code == 201, plan.text
    committed = client.post(f"/api/v1/plans/{plan.json()['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text

    after = client.get(url, headers=org.headers).json()
    assert (after["count"], after["plan_id"]) == (1, plan.json()["id"])
    [left] = after["orders"]
    assert left["tracking_number"] == too_big["tracking_number"]
    assert left["reason"] == "over_capacity"
    assert left["why"] == "it is bigger than any van"
    assert too_big["tracking_number"] in left["message"]

    assert client.get(url, headers=other_org.headers).status_code == 404
    app.dependency_overrides.pop(deps.now)
