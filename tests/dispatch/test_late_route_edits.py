"""Edits to a route that started late: timed from where the driver is, never from the plan.

The route below is planned to leave at the hub's opening (08:00); the driver leaves at 08:30,
reaches and serves the first stop, and the dispatcher changes the rest at 09:00. The stops
already made keep the times they really had; only the rest are timed, from now and there.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.dispatch.test_edits import (
    DAY,
    EAST,
    NEAR,
    NORTH,
    _get,
    _hub,
    _numbers,
    _order,
    _route,
)

from lastmile.api import deps
from lastmile.db import Database
from lastmile.dispatch import timing
from lastmile.dispatch.models import RouteStop, StopStatus
from lastmile.planning.checker import check
from lastmile.planning.problem import Problem
from lastmile.planning.solver import Solution


def _local(clock: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{clock}:00+02:00").astimezone(UTC)


class Clock:
    """The dispatch clock, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    pinned = Clock(_local("08:30"))
    app.dependency_overrides[deps.now] = pinned
    yield pinned
    app.dependency_overrides.pop(deps.now)


def _late_route(
    client: TestClient,
    db: Database,
    org: OrgHandle,
    clock: Clock,
    status: StopStatus,
    arrived: str = "08:38",
) -> tuple[str, Any]:
    """A route of three stops planned from 08:00, left at 08:30, its first stop reached at
    `arrived` (and, unless still `arrived`, finished two minutes later); the clock then reads
    09:00."""
    hub = _hub(client, org)
    for where in (NEAR, NORTH, EAST):
        _order(client, org, hub, where)
    route = _route(client, org, hub)
    assert datetime.fromisoformat(route["planned_start"]) < _local("08:05")
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    with db.session() as session:
        stop = session.get(RouteStop, uuid.UUID(route["stops"][0]["id"]))
        assert stop is not None
        stop.status = status
        stop.arrived_at = _local(arrived)
        if status is not StopStatus.ARRIVED:
            stop.finished_at = stop.arrived_at + timedelta(minutes=2)
        session.commit()
    clock.at = _local("09:00")
    return hub, _get(client, org, route["id"])


@pytest.mark.parametrize("made", [StopStatus.ARRIVED, StopStatus.COMPLETED])
def test_an_order_goes_into_a_route_that_started_late(
    client: TestClient, db: Database, org: OrgHandle, clock: Clock, made: StopStatus
) -> None:
    hub, route = _late_route(client, db, org, clock, made)
    late = _order(client, org, hub, NEAR)

    inserted = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": late}, headers=org.headers
    )

    assert inserted.status_code == 200, inserted.text
    body = inserted.json()
    assert _numbers(body)[0] == _numbers(route)[0]
    assert body["stops"][0] == route["stops"][0]
    assert body["planned_start"] == route["planned_start"]
    new = next(stop for stop in body["stops"] if stop["tracking_number"] == late)
    assert datetime.fromisoformat(new["planned_arrival"]) > clock.at
    for stop in body["stops"][1:]:
        assert datetime.fromisoformat(stop["planned_arrival"]) > clock.at


def _pending_after(route: Any, at: datetime) -> None:
    """Every stop not yet made is planned after `at`, each after the one before it."""
    free = at
    for stop in route["stops"][1:]:
        arrival = datetime.fromisoformat(stop["planned_arrival"])
        assert arrival >= free, (stop, free)
        free = datetime.fromisoformat(stop["planned_departure"])
    assert datetime.fromisoformat(route["planned_end"]) > free


def test_the_rest_of_a_late_route_can_be_reordered(
    client: TestClient, db: Database, org: OrgHandle, clock: Clock
) -> None:
    _, route = _late_route(client, db, org, clock, StopStatus.COMPLETED)
    rest = [stop["id"] for stop in route["stops"][1:]][::-1]

    reordered = client.post(
        f"/api/v1/routes/{route['id']}/reorder", json={"stop_ids": rest}, headers=org.headers
    )

    assert reordered.status_code == 200, reordered.text
    body = reordered.json()
    assert [stop["id"] for stop in body["stops"]] == [route["stops"][0]["id"], *rest]
    assert body["stops"][0] == route["stops"][0]
    _pending_after(body, clock.at)


def test_a_driver_still_at_the_door_leaves_once_the_service_is_done(
    client: TestClient, db: Database, org: OrgHandle, clock: Clock
) -> None:
    """At the first stop's door since 09:00, with two minutes of service: an order next door
    goes right after it, and is reached no sooner than 09:02."""
    hub, route = _late_route(client, db, org, clock, StopStatus.ARRIVED, arrived="09:00")
    door = client.get(
        f"/api/v1/shipments/{route['stops'][0]['tracking_number']}", headers=org.headers
    ).json()
    assert door["service_time_s"] == 120
    late = _order(client, org, hub, (door["address"]["lat"], door["address"]["lon"]))

    inserted = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": late}, headers=org.headers
    )

    assert inserted.status_code == 200, inserted.text
    body = inserted.json()
    assert _numbers(body)[:2] == [_numbers(route)[0], late]
    assert datetime.fromisoformat(body["stops"][1]["planned_arrival"]) == _local("09:02")
    _pending_after(body, _local("09:02"))


def test_an_order_whose_window_is_over_is_still_refused_saying_why(
    client: TestClient, db: Database, org: OrgHandle, clock: Clock
) -> None:
    hub, route = _late_route(client, db, org, clock, StopStatus.COMPLETED)
    over = _order(client, org, hub, NORTH, ("08:00", "08:50"))

    refused = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": over}, headers=org.headers
    )

    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert over in detail
    assert "after its last window closes at 8:50:00" in detail
    assert _get(client, org, route["id"]) == route


def test_stops_made_before_the_hub_opened_are_history_not_plan(
    client: TestClient, db: Database, org: OrgHandle, clock: Clock
) -> None:
    """The hub's opening moved from 08:00 to 08:45 after the route was planned and driven:
    its first stop was planned and made before the new opening, which no edit can change."""
    hub, route = _late_route(client, db, org, clock, StopStatus.COMPLETED)
    moved = client.patch(
        f"/api/v1/hubs/{hub}",
        json={"opening_hours": {"tue": [["08:45", "18:00"]]}},
        headers=org.headers,
    )
    assert moved.status_code == 200, moved.text
    late = _order(client, org, hub, NEAR)

    inserted = client.post(
        f"/api/v1/routes/{route['id']}/insert", json={"shipment": late}, headers=org.headers
    )

    assert inserted.status_code == 200, inserted.text
    assert inserted.json()["stops"][0] == route["stops"][0]
    _pending_after(inserted.json(), clock.at)


def test_the_checker_sees_only_the_stops_not_yet_made(
    client: TestClient,
    db: Database,
    org: OrgHandle,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The independent check still runs on every edit, from where the driver is."""
    checked: list[tuple[list[str], float]] = []

    def spy(problem: Problem, solution: Solution) -> list[str]:
        (planned,) = solution.routes
        checked.append((list(planned.order_ids), planned.start_s))
        return check(problem, solution)

    monkeypatch.setattr(timing, "check", spy)
    _, route = _late_route(client, db, org, clock, StopStatus.COMPLETED)
    rest = [stop["id"] for stop in route["stops"][1:]][::-1]

    reordered = client.post(
        f"/api/v1/routes/{route['id']}/reorder", json={"stop_ids": rest}, headers=org.headers
    )

    assert reordered.status_code == 200, reordered.text
    nine_s = 9 * 3600.0  # 09:00 local, from the hub's local midnight
    assert checked == [(_numbers(reordered.json())[1:], nine_s)]
