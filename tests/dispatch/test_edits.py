"""Edits to committed routes: each one re-timed, re-checked and refused (409) when it breaks a rule.

Every scenario is built so its answer is certain: windows wide enough that any order fits,
or a window so tight, or a van so small, that the edit cannot be kept.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, make_driver

from lastmile.api import deps
from lastmile.db import Database
from lastmile.dispatch import timing
from lastmile.dispatch.models import RouteStop, StopStatus
from lastmile.planning.problem import Problem
from lastmile.planning.solver import Solution

DAY = "2026-11-24"  # a Tuesday; the hub opens 08:00-18:00 Helsinki time (UTC+2)
HUB = (60.1719, 24.9414)
NEAR = (60.1760, 24.9450)
NORTH = (60.2500, 24.9400)  # about 9 km from the hub: 25 minutes on the straight-line map
EAST = (60.2500, 25.1000)
WIDE = ("08:00", "18:00")
TIGHT = ("08:00", "08:30")


@pytest.fixture
def pinned(app: FastAPI) -> Iterator[datetime]:
    """The dispatch clock pinned to 08:10 on the planned day, whenever the tests run."""
    at = datetime.fromisoformat(f"{DAY}T08:10:00+02:00").astimezone(UTC)
    app.dependency_overrides[deps.now] = lambda: at
    yield at
    app.dependency_overrides.pop(deps.now)


def _hub(client: TestClient, org: OrgHandle) -> str:
    body = hub_body(lat=HUB[0], lon=HUB[1], opening_hours={"tue": [list(WIDE)]})
    response = client.post("/api/v1/hubs", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    hub_id: str = response.json()["id"]
    return hub_id


def _order(
    client: TestClient,
    org: OrgHandle,
    hub_id: str,
    where: tuple[float, float],
    window: tuple[str, str] = WIDE,
    **fields: Any,
) -> str:
    shipment = create_shipment(
        client,
        org,
        hub_id=hub_id,
        reference=f"ORD-{uuid.uuid4().hex[:8]}",
        address={"text": "Somewhere", "lat": where[0], "lon": where[1]},
        window={"start": f"{DAY}T{window[0]}:00+02:00", "end": f"{DAY}T{window[1]}:00+02:00"},
        weight_kg=fields.pop("weight_kg", 4.0),
        parcel_count=1,
        **fields,
    )
    number: str = shipment["tracking_number"]
    return number


def _route(client: TestClient, org: OrgHandle, hub_id: str, capacity_kg: float = 100) -> Any:
    """One driver and van, planned over every open order of the hub: a committed route."""
    driver = make_driver(client, org, name=f"Driver {uuid.uuid4().hex[:6]}")["id"]
    van = client.post(
        "/api/v1/vehicles",
        json={"plate": f"VAN-{uuid.uuid4().hex[:6]}", "capacity_kg": capacity_kg},
        headers=org.headers,
    )
    assert van.status_code == 201, van.text
    plan = client.post(
        "/api/v1/plans",
        json={
            "hub_id": hub_id,
            "date": DAY,
            "driver_ids": [driver],
            "vehicle_ids": [van.json()["id"]],
            "time_limit_s": 0.2,
        },
        headers=org.headers,
    )
    assert plan.status_code == 201, plan.text
    assert plan.json()["unassigned"] == []
    committed = client.post(f"/api/v1/plans/{plan.json()['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text
    (route,) = committed.json()["routes"]
    return route


def _get(client: TestClient, org: OrgHandle, route_id: str) -> Any:
    response = client.get(f"/api/v1/routes/{route_id}", headers=org.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _numbers(route: Any) -> list[str]:
    return [stop["tracking_number"] for stop in route["stops"]]


def _assert_timed(client: TestClient, org: OrgHandle, route: Any) -> None:
    """Sequences 0..n-1; each stop reached after the last one is left, and left after service."""
    assert [s["sequence"] for s in route["stops"]] == list(range(len(route["stops"])))
    free = datetime.fromisoformat(route["planned_start"])
    for stop in route["stops"]:
        shipment = client.get(f"/api/v1/shipments/{stop['tracking_number']}", headers=org.headers)
        service = timedelta(seconds=shipment.json()["service_time_s"])
        arrival = datetime.fromisoformat(stop["planned_arrival"])
        departure = datetime.fromisoformat(stop["planned_departure"])
        assert arrival > free
        assert departure >= arrival + service
        free = departure
    assert datetime.fromisoformat(route["planned_end"]) > free


def test_a_feasible_reorder_is_kept_and_re_timed(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    wanted = [_order(client, org, hub, where) for where in (NORTH, EAST, NEAR)]
    route = _route(client, org, hub)
    assert sorted(_numbers(route)) == sorted(wanted)
    by_number = {s["tracking_number"]: s["id"] for s in route["stops"]}

    reordered = client.post(
        f"/api/v1/routes/{route['id']}/reorder",
        json={"stop_ids": [by_number[n] for n in wanted]},
        headers=org.headers,
    )

    assert reordered.status_code == 200, reordered.text
    assert _numbers(reordered.json()) == wanted
    _assert_timed(client, org, reordered.json())
    assert _get(client, org, route["id"]) == reordered.json()


def test_a_reorder_that_misses_a_window_is_refused(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    tight = _order(client, org, hub, NEAR, TIGHT)
    far = [_order(client, org, hub, where) for where in (NORTH, EAST)]
    route = _route(client, org, hub)
    assert _numbers(route)[0] == tight
    by_number = {s["tracking_number"]: s["id"] for s in route["stops"]}

    late = client.post(
        f"/api/v1/routes/{route['id']}/reorder",
        json={"stop_ids": [by_number[n] for n in [*far, tight]]},
        headers=org.headers,
    )

    assert late.status_code == 409, late.text
    assert tight in late.json()["detail"]
    assert _get(client, org, route["id"]) == route


def test_a_stop_moves_to_the_head_of_another_route(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    first_numbers = [_order(client, org, hub, where) for where in (NORTH, NEAR)]
    first = _route(client, org, hub)
    second_number = _order(client, org, hub, EAST)
    second = _route(client, org, hub)
    moved = next(s for s in first["stops"] if s["tracking_number"] == first_numbers[0])

    response = client.post(
        f"/api/v1/routes/{first['id']}/stops/{moved['id']}/move",
        json={"to_route_id": second["id"], "position": 0},
        headers=org.headers,
    )

    assert response.status_code == 200, response.text
    source, target = response.json()
    assert _numbers(source) == [first_numbers[1]]
    assert _numbers(target) == [first_numbers[0], second_number]
    assert target["stops"][0]["id"] == moved["id"]
    _assert_timed(client, org, source)
    _assert_timed(client, org, target)
    assert [_get(client, org, r["id"]) for r in (first, second)] == [source, target]
    shipment = client.get(f"/api/v1/shipments/{first_numbers[0]}", headers=org.headers).json()
    assert shipment["driver_id"] == second["driver_id"]


def test_a_move_that_misses_a_window_changes_nothing(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    tight = _order(client, org, hub, NEAR, TIGHT)
    first = _route(client, org, hub)
    _order(client, org, hub, NORTH, ("08:00", "08:45"))
    second = _route(client, org, hub)

    response = client.post(
        f"/api/v1/routes/{first['id']}/stops/{first['stops'][0]['id']}/move",
        json={"to_route_id": second["id"], "position": 1},
        headers=org.headers,
    )

    assert response.status_code == 409, response.text
    assert tight in response.json()["detail"]
    assert [_get(client, org, r["id"]) for r in (first, second)] == [first, second]


def test_inserting_an_order_that_overloads_the_van_is_refused(
    client: TestClient, org: OrgHandle
) -> None:
    hub = _hub(client, org)
    _order(client, org, hub, NEAR, weight_kg=60.0)
    route = _route(client, org, hub)
    heavy = _order(client, org, hub, NORTH, weight_kg=50.0)

    response = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": heavy}, headers=org.headers
    )

    assert response.status_code == 409, response.text
    assert heavy in response.json()["detail"]
    assert "weight_kg" in response.json()["detail"]
    assert _get(client, org, route["id"]) == route


def _plate(client: TestClient, org: OrgHandle, route: Any) -> str:
    van = client.get(f"/api/v1/vehicles/{route['vehicle_id']}", headers=org.headers)
    assert van.status_code == 200, van.text
    plate: str = van.json()["plate"]
    return plate


@pytest.mark.parametrize("position", [None, 0])
def test_a_move_over_capacity_names_the_van_not_its_id(
    client: TestClient, org: OrgHandle, position: int | None
) -> None:
    hub = _hub(client, org)
    _order(client, org, hub, NORTH, weight_kg=50.0)
    first = _route(client, org, hub)
    _order(client, org, hub, NEAR, weight_kg=60.0)
    second = _route(client, org, hub)
    body: dict[str, Any] = {"to_route_id": second["id"]}
    if position is not None:
        body["position"] = position

    response = client.post(
        f"/api/v1/routes/{first['id']}/stops/{first['stops'][0]['id']}/move",
        json=body,
        headers=org.headers,
    )

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert f"{_plate(client, org, second)} would carry 110 weight_kg" in detail
    assert second["vehicle_id"] not in detail
    assert second["id"] not in detail


def test_the_checker_refuses_what_the_timing_lets_through(
    client: TestClient, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the edit's own capacity guards gone, the independent checker still says no."""
    hub = _hub(client, org)
    _order(client, org, hub, NEAR, weight_kg=60.0)
    route = _route(client, org, hub)
    heavy = _order(client, org, hub, NORTH, weight_kg=50.0)
    monkeypatch.setattr("lastmile.planning.insertion.DIMENSIONS", ())
    monkeypatch.setattr("lastmile.dispatch.timing.DIMENSIONS", ())

    response = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": heavy}, headers=org.headers
    )

    assert response.status_code == 409, response.text
    plate = _plate(client, org, route)
    assert f"{plate} carries 110 weight_kg, over its 100" in response.json()["detail"]
    assert _get(client, org, route["id"]) == route


def test_every_edit_is_checked_on_the_routes_it_changed(
    client: TestClient, org: OrgHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[list[str]] = []

    def spy(problem: Problem, solution: Solution) -> list[str]:
        checked.extend(list(route.order_ids) for route in solution.routes)
        return real(problem, solution)

    real = timing.check
    monkeypatch.setattr(timing, "check", spy)
    hub = _hub(client, org)
    for where in (NORTH, NEAR, EAST):
        _order(client, org, hub, where)
    first = _route(client, org, hub)
    _order(client, org, hub, NORTH)
    second = _route(client, org, hub)
    stops = [s["id"] for s in first["stops"]]
    late = _order(client, org, hub, NEAR)

    edits = [
        ("post", f"{first['id']}/reorder", {"stop_ids": stops[::-1]}),
        ("post", f"{first['id']}/stops/{stops[0]}/move", {"to_route_id": second["id"]}),
        ("delete", f"{first['id']}/stops/{stops[1]}", None),
        ("post", f"{second['id']}/insert", {"shipment": late}),
    ]
    for method, path, body in edits:
        checked.clear()
        response = client.request(method, f"/api/v1/routes/{path}", json=body, headers=org.headers)
        assert response.status_code == 200, (path, response.text)
        answer = response.json()
        routes = answer if isinstance(answer, list) else [answer]
        assert checked == [_numbers(r) for r in routes if r["stops"]], path


def test_unassigning_a_shipment_out_for_delivery_needs_force(
    client: TestClient, org: OrgHandle, pinned: datetime
) -> None:
    hub = _hub(client, org)
    for where in (NEAR, NORTH):
        _order(client, org, hub, where)
    route = _route(client, org, hub)
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    assert datetime.fromisoformat(started.json()["started_at"]) == pinned
    stop = started.json()["stops"][-1]
    number = stop["tracking_number"]
    path = f"/api/v1/routes/{route['id']}/stops/{stop['id']}"

    refused = client.delete(path, headers=org.headers)

    assert refused.status_code == 409, refused.text
    assert number in refused.json()["detail"]
    assert "force=true" in refused.json()["detail"]
    assert _get(client, org, route["id"]) == started.json()
    shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
    assert shipment["status"] == "out_for_delivery"

    forced = client.delete(f"{path}?force=true", headers=org.headers)

    assert forced.status_code == 200, forced.text
    assert _numbers(forced.json()) == _numbers(started.json())[:-1]
    _assert_timed(client, org, forced.json())
    shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
    assert (shipment["status"], shipment["driver_id"]) == ("exception", None)
    events = client.get(f"/api/v1/shipments/{number}/events", headers=org.headers).json()
    assert (events[-1]["status"], events[-1]["reason"]) == ("exception", "unassigned by dispatcher")


def test_unassigning_a_planned_stop_frees_its_shipment(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    number = _order(client, org, hub, NEAR)
    route = _route(client, org, hub)

    response = client.delete(
        f"/api/v1/routes/{route['id']}/stops/{route['stops'][0]['id']}", headers=org.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["stops"] == []
    shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
    assert (shipment["status"], shipment["driver_id"]) == ("created", None)


def test_a_route_started_before_its_shift_can_still_change(
    app: FastAPI, client: TestClient, org: OrgHandle
) -> None:
    early = datetime.fromisoformat(f"{DAY}T07:30:00+02:00").astimezone(UTC)
    app.dependency_overrides[deps.now] = lambda: early
    hub = _hub(client, org)
    for where in (NEAR, NORTH):
        _order(client, org, hub, where)
    route = _route(client, org, hub)
    assert client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers).is_success

    reordered = client.post(
        f"/api/v1/routes/{route['id']}/reorder",
        json={"stop_ids": [s["id"] for s in route["stops"]][::-1]},
        headers=org.headers,
    )

    assert reordered.status_code == 200, reordered.text
    assert _numbers(reordered.json()) == _numbers(route)[::-1]
    first_arrival = datetime.fromisoformat(reordered.json()["stops"][0]["planned_arrival"])
    assert first_arrival > datetime.fromisoformat(f"{DAY}T08:00:00+02:00")


def test_parcels_delivered_leave_room_for_a_late_order(
    client: TestClient, db: Database, org: OrgHandle, pinned: datetime
) -> None:
    hub = _hub(client, org)
    delivered = _order(client, org, hub, NEAR, TIGHT, weight_kg=60.0)
    _order(client, org, hub, NORTH)
    route = _route(client, org, hub)
    assert _numbers(route)[0] == delivered
    assert client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers).is_success
    with db.session() as session:
        stop = session.get(RouteStop, uuid.UUID(route["stops"][0]["id"]))
        assert stop is not None
        stop.status = StopStatus.COMPLETED
        session.commit()
    late = _order(client, org, hub, EAST, weight_kg=50.0)

    inserted = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": late}, headers=org.headers
    )

    assert inserted.status_code == 200, inserted.text
    assert _numbers(inserted.json())[0] == delivered
    assert late in _numbers(inserted.json())


def test_parcels_delivered_out_of_sequence_leave_room_too(
    client: TestClient, db: Database, org: OrgHandle, pinned: datetime
) -> None:
    """The driver delivered the second stop first: its parcels left the van all the same."""
    hub = _hub(client, org)
    _order(client, org, hub, NEAR, weight_kg=30.0)
    _order(client, org, hub, NORTH, weight_kg=30.0)
    route = _route(client, org, hub)
    assert client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers).is_success
    with db.session() as session:  # the last stop delivered while the first is still pending
        stop = session.get(RouteStop, uuid.UUID(route["stops"][-1]["id"]))
        assert stop is not None
        stop.status = StopStatus.COMPLETED
        session.commit()
    late = _order(client, org, hub, EAST, weight_kg=50.0)

    inserted = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": late}, headers=org.headers
    )

    assert inserted.status_code == 200, inserted.text
    assert late in _numbers(inserted.json())
