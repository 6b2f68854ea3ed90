"""Live ETAs on the planned road path: a route around a bay, and no routing call per fix."""

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.eta.helpers import ACROSS_THE_BAY, BAY_HUB, fix, lay_bay_road, route_in_progress

from lastmile.db import Database
from lastmile.dispatch.models import Route
from lastmile.eta import service
from lastmile.eta.engine import EtaEngine
from lastmile.eta.learning import LearnedEta
from lastmile.eta.model import LatLon, Stop
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import Route as RoadPath

TWO_KM_ALONG = (60.0, 25.0 + 2000 / 55_660)  # on the shore road, heading round the bay
SPEED_MPS = 10.0


class CountingNetwork:
    """The map-less network, counting the routing calls made through it."""

    def __init__(self) -> None:
        self.inner = HaversineNetwork(speed_mps=10.0, circuity=1.0)
        self.calls = 0

    @property
    def costing(self) -> str:
        return "auto"

    def route(self, points: Sequence[LatLon]) -> RoadPath:
        self.calls += 1
        return self.inner.route(points)


def _around_the_bay(client: TestClient, org: OrgHandle, db: Database, device: str) -> Any:
    """A one-stop route across the bay, stored as a planner with a map would have stored it."""
    route = route_in_progress(client, org, device, hub=BAY_HUB, places=[ACROSS_THE_BAY])
    (leg_s,) = lay_bay_road(db, route["id"], speed_mps=SPEED_MPS).values()
    route["to_go_s"] = leg_s - 2000 / SPEED_MPS  # from two kilometres along
    return route


def _the_stop(db: Database, route_id: str) -> Stop:
    with db.session() as session:
        row = session.get_one(Route, uuid.UUID(route_id))
        return service.remaining_stops(session, route=row)[0].stop


def _stored_eta(client: TestClient, org: OrgHandle, route_id: str) -> tuple[datetime, datetime]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        (row,) = client.get(f"/api/v1/routes/{route_id}/etas", headers=org.headers).json()["stops"]
        if row["eta"] is not None:
            return datetime.fromisoformat(row["eta"]), datetime.fromisoformat(row["computed_at"])
        time.sleep(0.05)
    raise AssertionError("the fix gave no ETA")


def test_a_road_around_a_bay_gives_the_eta_the_straight_line_misses(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = _around_the_bay(client, org, db, "bay-phone")
    now = datetime.now(UTC).replace(microsecond=0)
    lat, lon = TWO_KM_ALONG
    posted = client.post(
        "/api/v1/fixes",
        json={"device_id": "bay-phone", "fixes": [fix(now - timedelta(seconds=1), lat, lon)]},
        headers=org.headers,
    )
    assert posted.status_code == 200, posted.text

    eta, computed_at = _stored_eta(client, org, route["id"])
    road_to_go = (eta - computed_at).total_seconds()
    assert road_to_go == pytest.approx(route["to_go_s"], abs=30)

    predictor = client.app.state.eta_engine.predictor
    (straight,) = predictor.predict(
        now=computed_at,
        origin=TWO_KM_ALONG,
        stops=[_the_stop(db, route["id"])],
        base_legs_s=[],
        driver_id=route["driver_id"],
    )
    straight_to_go = (straight.eta - computed_at).total_seconds()
    assert straight_to_go < route["to_go_s"] / 2, "the straight line cuts across the water"
    assert (
        not straight.window_start
        <= computed_at + timedelta(seconds=route["to_go_s"])
        <= (straight.window_end)
    ), "the straight line's window misses the real arrival"


def test_fixes_on_the_path_make_no_routing_call_and_leaving_it_makes_one(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = _around_the_bay(client, org, db, "bay-phone-2")
    network = CountingNetwork()
    engine = EtaEngine(LearnedEta(), open_network=lambda: network)
    now = datetime.now(UTC)

    def eta_from(position: LatLon) -> float:
        with db.session() as session:
            row = session.get_one(Route, uuid.UUID(route["id"]))
            engine.forget(uuid.UUID(route["stops"][0]["id"]))
            (stored,) = service.update_route(
                session,
                route=row,
                origin=position,
                now=now,
                gps_age_s=0.0,
                trigger="fix",
                engine=engine,
            )
            session.rollback()
        return (stored.eta - now).total_seconds()

    along = [(60.0, 25.0 + i * 0.0007) for i in range(100)]  # the first 4 km of the shore road
    to_go = [eta_from(p) for p in along]
    assert network.calls == 0
    assert engine.roads.builds == 1, "the planned legs are read once per route, not per fix"
    assert to_go == sorted(to_go, reverse=True)

    inland = (59.99, 25.036)  # 1 km off the road: a diversion
    eta_from(inland)
    assert network.calls == 1
    for step in range(1, 10):  # on the way back from the diversion, along its path
        eta_from((59.99 + 0.0019 * step, 25.036 - 0.0036 * step))
    assert network.calls == 1, "the detour path is reused while the driver stays on it"
    eta_from((59.95, 24.9))  # off both paths
    assert network.calls == 2
    eta_from(TWO_KM_ALONG)  # back on the planned road
    assert network.calls == 2
