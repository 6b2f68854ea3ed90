"""Plan a hub's day through the API, commit it, start a route and edit routes."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, make_driver

from lastmile.api import deps
from lastmile.db import Database
from lastmile.dispatch.timing import crew_for, delivery_for, depot_for
from lastmile.fleet.models import Vehicle
from lastmile.hubs.models import Hub
from lastmile.planning.checker import check
from lastmile.planning.network import build_problem
from lastmile.planning.solver import Route, Solution, Stop
from lastmile.routing.fallback import HaversineNetwork
from lastmile.shipments.models import Shipment

DAY = "2026-11-24"  # a Tuesday
HOURS = {"tue": [["08:00", "18:00"]]}


def _hub(client: TestClient, org: OrgHandle) -> dict[str, Any]:
    response = client.post("/api/v1/hubs", json=hub_body(opening_hours=HOURS), headers=org.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def _crew(
    client: TestClient, org: OrgHandle, n: int, **capacity: Any
) -> tuple[list[str], list[str]]:
    drivers, vehicles = [], []
    for i in range(n):
        drivers.append(make_driver(client, org, name=f"Driver {i}")["id"])
        body = {"plate": f"VAN-{i}", "capacity_kg": 100, "capacity_parcels": 20, **capacity}
        response = client.post("/api/v1/vehicles", json=body, headers=org.headers)
        assert response.status_code == 201, response.text
        vehicles.append(response.json()["id"])
    return drivers, vehicles


def _order(
    client: TestClient, org: OrgHandle, hub_id: str, i: int, **overrides: Any
) -> dict[str, Any]:
    hour = 9 + i % 6
    fields: dict[str, Any] = {
        "hub_id": hub_id,
        "reference": f"ORD-{i}",
        "address": {
            "text": f"Street {i}",
            "lat": 60.16 + 0.002 * (i % 7),
            "lon": 24.92 + 0.003 * (i % 5),
        },
        "window": {
            "start": f"{DAY}T{hour:02d}:00:00+02:00",
            "end": f"{DAY}T{hour + 2:02d}:00:00+02:00",
        },
        "weight_kg": 4.0,
        "parcel_count": 1,
    }
    fields.update(overrides)
    return create_shipment(client, org, **fields)


def _check_plan(db: Database, org: OrgHandle, plan: dict[str, Any]) -> None:
    """Rebuild the day's problem from the rows and check the returned plan independently."""
    with db.session() as session:
        hub = session.get(Hub, uuid.UUID(plan["hub_id"]))
        assert hub is not None
        numbers = [s["tracking_number"] for r in plan["routes"] for s in r["stops"]]
        rows = list(session.scalars(select(Shipment).where(Shipment.tracking_number.in_(numbers))))
        vehicles = [session.get(Vehicle, uuid.UUID(r["vehicle_id"])) for r in plan["routes"]]
        day = build_problem(
            depot=depot_for(hub),
            deliveries=[delivery_for(s) for s in rows],
            crews=[crew_for(v) for v in vehicles if v is not None],
            day=date.fromisoformat(plan["date"]),
            network=HaversineNetwork(),
        )
    start = day.day_start

    def s(at: str) -> float:
        return (datetime.fromisoformat(at) - start).total_seconds()

    routes = []
    for r in plan["routes"]:
        stops = []
        for stop in r["stops"]:
            order = day.problem.orders_by_id[stop["tracking_number"]]
            arrival, departure = s(stop["planned_arrival"]), s(stop["planned_departure"])
            stops.append(Stop(order.id, arrival, departure - order.service_s, departure))
        routes.append(
            Route(
                r["vehicle_id"],
                0,
                0,
                tuple(stops),
                s(r["planned_start"]),
                s(r["planned_end"]),
                r["distance_m"],
            )
        )
    solution = Solution(tuple(routes), ())
    assert check(day.problem, solution) == []
    assert plan["violations"] == []


def test_plan_commit_start_and_edit_a_day(
    app: FastAPI, client: TestClient, db: Database, org: OrgHandle
) -> None:
    pinned = datetime.fromisoformat(f"{DAY}T08:05:00+02:00").astimezone(UTC)
    app.dependency_overrides[deps.now] = lambda: pinned
    hub = _hub(client, org)
    drivers, vehicles = _crew(client, org, 2)
    orders = [_order(client, org, hub["id"], i) for i in range(1, 13)]
    too_big = _order(client, org, hub["id"], 90, weight_kg=5000.0)
    too_late = _order(
        client,
        org,
        hub["id"],
        91,
        window={"start": f"{DAY}T20:00:00+02:00", "end": f"{DAY}T21:00:00+02:00"},
    )
    nowhere = _order(client, org, hub["id"], 92, address={"text": "unknown"})

    response = client.post(
        "/api/v1/plans",
        json={
            "hub_id": hub["id"],
            "date": DAY,
            "driver_ids": drivers,
            "vehicle_ids": vehicles,
            "time_limit_s": 0.5,
        },
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["status"] == "draft"
    assert plan["network"] == "straight-line"
    _check_plan(db, org, plan)
    left = {u["tracking_number"]: u for u in plan["unassigned"]}
    assert left[too_big["tracking_number"]]["reason"] == "over_capacity"
    assert too_big["tracking_number"] in left[too_big["tracking_number"]]["message"]
    assert left[too_late["tracking_number"]]["reason"] == "unreachable_window"
    assert left[nowhere["tracking_number"]]["reason"] == "no_location"
    served = {s["tracking_number"] for r in plan["routes"] for s in r["stops"]}
    assert served == {o["tracking_number"] for o in orders}
    where = {o["tracking_number"]: (o["address"]["lat"], o["address"]["lon"]) for o in orders}
    assert all(
        (s["lat"], s["lon"]) == where[s["tracking_number"]]
        for r in plan["routes"]
        for s in r["stops"]
    )
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=org.headers).json() == plan

    committed = client.post(f"/api/v1/plans/{plan['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text
    routes = committed.json()["routes"]
    assert committed.json()["plan"]["status"] == "committed"
    assert len(routes) == len(plan["routes"])
    assert all(r["status"] == "planned" and r["polyline6"] for r in routes)
    again = client.post(f"/api/v1/plans/{plan['id']}/commit", headers=org.headers)
    assert again.status_code == 409
    first = routes[0]
    number = first["stops"][0]["tracking_number"]
    shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
    assert shipment["status"] == "created"
    listed = client.get(f"/api/v1/routes?date={DAY}", headers=org.headers).json()
    assert {r["id"] for r in listed} == {r["id"] for r in routes}
    mine = client.get(f"/api/v1/routes?driver_id={first['driver_id']}", headers=org.headers).json()
    assert [r["id"] for r in mine] == [first["id"]]

    # Reorder the pending stops in the plan's own order: kept, and re-timed in sequence.
    ids = [s["id"] for s in first["stops"]]
    back = client.post(
        f"/api/v1/routes/{first['id']}/reorder", json={"stop_ids": ids}, headers=org.headers
    )
    assert back.status_code == 200, back.text
    assert [s["id"] for s in back.json()["stops"]] == ids
    assert [s["sequence"] for s in back.json()["stops"]] == list(range(len(ids)))
    wrong = client.post(
        f"/api/v1/routes/{first['id']}/reorder", json={"stop_ids": ids[1:]}, headers=org.headers
    )
    assert wrong.status_code == 422

    # Start: the route's shipments go out for delivery.
    started = client.post(f"/api/v1/routes/{first['id']}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress"
    for stop in first["stops"]:
        got = client.get(f"/api/v1/shipments/{stop['tracking_number']}", headers=org.headers)
        assert got.json()["status"] == "out_for_delivery"

    # Unassign a stop of the running route, by force: the shipment is an exception, no driver.
    last = started.json()["stops"][-1]
    unassigned = client.delete(
        f"/api/v1/routes/{first['id']}/stops/{last['id']}?force=true", headers=org.headers
    )
    assert unassigned.status_code == 200, unassigned.text
    assert last["id"] not in {s["id"] for s in unassigned.json()["stops"]}
    got = client.get(f"/api/v1/shipments/{last['tracking_number']}", headers=org.headers).json()
    assert (got["status"], got["driver_id"]) == ("exception", None)

    # A late same-day order goes into the running route at its best place.
    late = _order(client, org, hub["id"], 50, window=None, delivery_date=DAY)
    inserted = client.post(
        f"/api/v1/routes/{first['id']}/insert",
        json={"shipment": late["tracking_number"]},
        headers=org.headers,
    )
    assert inserted.status_code == 200, inserted.text
    numbers = [s["tracking_number"] for s in inserted.json()["stops"]]
    assert late["tracking_number"] in numbers
    got = client.get(f"/api/v1/shipments/{late['tracking_number']}", headers=org.headers).json()
    assert got["status"] == "out_for_delivery"
    twice = client.post(
        f"/api/v1/routes/{first['id']}/insert",
        json={"shipment": late["tracking_number"]},
        headers=org.headers,
    )
    assert twice.status_code == 409


def test_plans_and_routes_are_invisible_across_organisations(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    hub = _hub(client, other_org)
    _crew(client, other_org, 1)
    _order(client, other_org, hub["id"], 1)
    plan = client.post(
        "/api/v1/plans",
        json={"hub_id": hub["id"], "date": DAY, "time_limit_s": 0.2},
        headers=other_org.headers,
    ).json()
    mine = org.headers
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=mine).status_code == 404
    assert client.post(f"/api/v1/plans/{plan['id']}/commit", headers=mine).status_code == 404
    denied = client.post("/api/v1/plans", json={"hub_id": hub["id"], "date": DAY}, headers=mine)
    assert denied.status_code == 404
    routes = client.post(f"/api/v1/plans/{plan['id']}/commit", headers=other_org.headers).json()
    route = routes["routes"][0]
    assert client.get(f"/api/v1/routes/{route['id']}", headers=mine).status_code == 404
    assert client.get("/api/v1/routes", headers=mine).json() == []
    assert client.post(f"/api/v1/routes/{route['id']}/start", headers=mine).status_code == 404
    stop = route["stops"][0]["id"]
    assert (
        client.delete(f"/api/v1/routes/{route['id']}/stops/{stop}", headers=mine).status_code == 404
    )


def test_a_closed_day_and_a_missing_crew_are_named(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    closed = client.post(
        "/api/v1/plans", json={"hub_id": hub["id"], "date": "2026-11-25"}, headers=org.headers
    )
    assert closed.status_code == 422
    body = {"hub_id": hub["id"], "date": DAY}
    no_crew = client.post("/api/v1/plans", json=body, headers=org.headers)
    assert no_crew.status_code == 422
    assert no_crew.json()["errors"][0]["field"] == "driver_ids"
