"""Shared by the ETA tests: a route in progress built through the API, and fixes to post."""

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, make_driver

from lastmile.db import Database
from lastmile.dispatch import service as dispatch
from lastmile.dispatch.models import Route
from lastmile.eta.model import LatLon
from lastmile.geo import haversine_m
from lastmile.hubs.models import Hub
from lastmile.routing import polyline

DAY = "2026-11-24"
HUB = (60.1719, 24.9414)
PLACES = [(60.1760, 24.9450), (60.1800, 24.9500), (60.1850, 24.9550)]


def route_in_progress(
    client: TestClient,
    org: OrgHandle,
    device: str,
    *,
    hub: LatLon = HUB,
    places: Sequence[LatLon] = PLACES,
    code: str = "ETA-1",
) -> dict[str, Any]:
    """A hub, shipments at `places`, a driver and a van, planned, committed and started; `code`
    names the hub and the van (one per call in an organisation)."""
    hub = client.post(
        "/api/v1/hubs",
        json=hub_body(
            code=code, lat=hub[0], lon=hub[1], opening_hours={"tue": [["08:00", "18:00"]]}
        ),
        headers=org.headers,
    )
    assert hub.status_code == 201, hub.text
    for lat, lon in places:
        create_shipment(
            client,
            org,
            hub_id=hub.json()["id"],
            reference=f"ORD-{uuid.uuid4().hex[:8]}",
            address={"text": "Somewhere", "lat": lat, "lon": lon},
            window={"start": f"{DAY}T08:00:00+02:00", "end": f"{DAY}T18:00:00+02:00"},
            weight_kg=2.0,
            parcel_count=1,
        )
    driver = make_driver(client, org, device, name="Aino Virtanen")["id"]
    van = client.post(
        "/api/v1/vehicles", json={"plate": code, "capacity_kg": 100}, headers=org.headers
    )
    assert van.status_code == 201, van.text
    plan = client.post(
        "/api/v1/plans",
        json={
            "hub_id": hub.json()["id"],
            "date": DAY,
            "driver_ids": [driver],
            "vehicle_ids": [van.json()["id"]],
            "time_limit_s": 0.2,
        },
        headers=org.headers,
    )
    assert plan.status_code == 201, plan.text
    committed = client.post(f"/api/v1/plans/{plan.json()['id']}/commit", headers=org.headers)
    assert committed.status_code == 200, committed.text
    (route,) = committed.json()["routes"]
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    data: dict[str, Any] = started.json()
    return data


def fix(at: datetime, lat: float = HUB[0], lon: float = HUB[1]) -> dict[str, Any]:
    return {"at": at.isoformat(), "lat": lat, "lon": lon, "accuracy_m": 5, "speed_mps": 8}


BAY_HUB = (60.0, 25.0)
ACROSS_THE_BAY = (60.009, 25.0)  # 1 km north of the hub; the road goes round, 9 km
BAY_EAST_LON = 25.072  # where the road rounds the head of the bay, 4 km east


def bay_road(a: LatLon, b: LatLon) -> list[LatLon]:
    """The road from a to b: along a shore, or round the head of the bay to the other one."""
    if a[0] == b[0]:
        return [a, b]
    way = [a, (a[0], BAY_EAST_LON), (b[0], BAY_EAST_LON), b]
    return [p for i, p in enumerate(way) if i == 0 or p != way[i - 1]]


def lay_bay_road(db: Database, route_id: str, *, speed_mps: float = 10.0) -> dict[uuid.UUID, float]:
    """Store the route as a planner with a map of the bay would: its road path and the stops'
    planned times at `speed_mps`. Returns each stop's planned driving time from the one before."""
    with db.session() as session:
        route = session.get_one(Route, uuid.UUID(route_id))
        hub = session.get_one(Hub, route.hub_id)
        stops = dispatch.route_stops(session=session, route=route)
        places = [(hub.lat, hub.lon), *((s.lat or 0.0, s.lon or 0.0) for _, s in stops)]
        places.append((hub.lat, hub.lon))
        path: list[LatLon] = [places[0]]
        leg_s: dict[uuid.UUID, float] = {}
        clock = route.planned_start
        for index, (a, b) in enumerate(itertools.pairwise(places)):
            road = bay_road(a, b)
            path += road[1:]
            seconds = sum(haversine_m(*p, *q) for p, q in itertools.pairwise(road)) / speed_mps
            clock += timedelta(seconds=seconds)
            if index < len(stops):
                stop, shipment = stops[index]
                leg_s[stop.id] = seconds
                stop.planned_arrival = clock
                clock += timedelta(seconds=shipment.service_time_s)
                stop.planned_departure = clock
        route.planned_end = clock
        route.polyline6 = polyline.encode(path)
        session.commit()
    return leg_s
