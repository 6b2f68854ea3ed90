"""Regular customers of the simulated merchant come back every day; once two days have delivered
at their doors (through the events API: no track confirms the door), the next day's plan sends
the van to the door, not to where the text geocodes, and the order's API says why."""

import math
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from testkit.routes import grid_route
from tests.address_index import indexed, tiny_extract  # noqa: F401 (fixtures)
from tests.common import OrgHandle

from lastmile.geo import haversine_m
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import LatLon, Matrix
from lastmile.sim.driver import BACK_AT_VAN_S, PlannedStop, build_driver_day
from lastmile.sim.incidents import DriverIncidents
from lastmile.sim.regulars import DOOR_M, Regular, door_of, reachable
from lastmile.sim.world import Api, Day, Scenario, default_area, setup_day

HUB = (60.185, 24.94)  # among the tiny extract's addresses
ZONE = ZoneInfo("Europe/Helsinki")


def _day(api: Api, days_ahead: int) -> Day:
    scenario = Scenario(
        drivers=2,
        stops_per_driver=5,
        seed=5,
        hub=HUB,
        shift_s=8 * 3600.0,
        plan_seconds=0.5,
        crew_tag="regulars",
        pins=False,
        regular_share=0.5,
    )
    tomorrow = datetime.now(ZONE).date() + timedelta(days=days_ahead)
    opens = datetime.combine(tomorrow, datetime.min.time(), ZONE) + timedelta(hours=8)
    network = HaversineNetwork()
    return setup_day(
        api, scenario, network=network, area=default_area(HUB), start_s=opens.timestamp()
    )


def _regular_stops(day: Day) -> dict[str, PlannedStop]:
    return {s.tracking_number: s for r in day.routes for s in r.stops if s.door is not None}


def _deliver_at_the_doors(client: TestClient, org: OrgHandle, day: Day) -> None:
    for number, stop in _regular_stops(day).items():
        assert stop.door is not None
        path = f"/api/v1/shipments/{number}/events"
        for event in (
            {"status": "out_for_delivery"},
            {"status": "delivered", "location": {"lat": stop.door[0], "lon": stop.door[1]}},
        ):
            answer = client.post(path, json=event, headers=org.headers)
            assert answer.status_code == 201, answer.text


def _shipment(client: TestClient, org: OrgHandle, number: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/shipments/{number}", headers=org.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.usefixtures("indexed")
def test_after_two_days_a_regulars_stop_is_the_door_the_drivers_delivered_at(
    client: TestClient, org: OrgHandle
) -> None:
    api = Api(client, org.api_key)
    first = _day(api, 1)
    regulars = _regular_stops(first)
    assert len(regulars) == 2, "the tiny map's addresses give the day two regular customers"
    for number, stop in regulars.items():
        assert stop.door is not None
        shipment = _shipment(client, org, number)
        assert shipment["address"]["lat"] is not None  # placed from its text alone
        assert round(haversine_m(stop.lat, stop.lon, *stop.door)) == DOOR_M
    _deliver_at_the_doors(client, org, first)

    second = _day(api, 2)
    doors = {s.door for s in _regular_stops(second).values()}
    assert doors == {s.door for s in regulars.values()}  # the same customers again
    for stop in _regular_stops(second).values():  # one delivery is not enough to move it
        assert stop.door is not None
        assert round(haversine_m(stop.lat, stop.lon, *stop.door)) == DOOR_M
    _deliver_at_the_doors(client, org, second)

    third = _day(api, 3)
    moved = _regular_stops(third)
    assert {s.door for s in moved.values()} == doors
    for number, stop in moved.items():
        assert stop.door is not None
        assert haversine_m(stop.lat, stop.lon, *stop.door) < 1  # the van goes to the door
        quality = _shipment(client, org, number)["address"]["quality"]
        learned = [r for r in quality["reasons"] if r["code"] == "learned_point"]
        assert len(learned) == 1
        assert "2 earlier deliveries" in learned[0]["message"]
        assert quality["learned_from"] == 2
    # The other customers keep the pins the merchant sends.
    others = [s for r in third.routes for s in r.stops if s.door is None]
    assert len(others) == 8
    for other in others:  # named as the nearest address (`sim.address_texts`), pinned
        pinned = _shipment(client, org, other.tracking_number)["address"]
        assert (pinned["lat"], pinned["lon"]) == (other.lat, other.lon)


def test_at_a_regulars_stop_the_driver_waits_at_the_door_and_presses_delivered_at_the_van() -> None:
    route = grid_route(stops=2)
    first = route.stops[0]
    door = door_of("Mäkelänkatu 12 B", (first.lat, first.lon))
    route = replace(route, stops=(replace(first, door=door), *route.stops[1:]))
    day = build_driver_day(route, incidents=DriverIncidents(), rng=random.Random(2))
    delivered = next(a for a in day.actions if a.kind == "delivered")
    assert (delivered.lat, delivered.lon) == (first.lat, first.lon)
    at_door = day.trajectory.state(delivered.at_s - BACK_AT_VAN_S - 5.0)
    assert haversine_m(at_door.lat, at_door.lon, *door) < 1
    at_van = day.trajectory.state(delivered.at_s - 1.0)
    assert haversine_m(at_van.lat, at_van.lon, first.lat, first.lon) < 1


class _NoWayBack(HaversineNetwork):
    """Straight lines, except that nothing leaves `trap` (a one-way street out of the map)."""

    def __init__(self, trap: LatLon) -> None:
        super().__init__()
        self.trap = trap

    def matrix(self, sources: Sequence[LatLon], targets: Sequence[LatLon]) -> Matrix:
        base = super().matrix(sources, targets)
        duration_s, distance_m = base.duration_s.copy(), base.distance_m.copy()
        for i, source in enumerate(sources):
            for j, target in enumerate(targets):
                if source == self.trap and target != source:
                    duration_s[i, j] = distance_m[i, j] = math.inf
        return Matrix(duration_s, distance_m)


def test_a_regular_whose_address_point_has_no_road_back_to_the_hub_is_not_kept() -> None:
    """The demo's case: `Mannerheiminaukio 2` geocodes 75 m from the road point it was found
    from, onto a street with no way back to the hub; every day its order was left unplanned."""
    hub = (60.171649, 24.944833)
    kiasma = (60.172032335714285, 24.93667040357143)
    bulevardi = (60.165, 24.939)
    regulars = [
        Regular("Mannerheiminaukio 2", kiasma, door_of("Mannerheiminaukio 2", kiasma)),
        Regular("Bulevardi 9", bulevardi, door_of("Bulevardi 9", bulevardi)),
    ]
    kept = reachable(_NoWayBack(kiasma), regulars, hub=hub)
    assert [r.text for r in kept] == ["Bulevardi 9"]
    assert reachable(HaversineNetwork(), regulars, hub=hub) == regulars
