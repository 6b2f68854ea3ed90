"""The load test's fleet, played by the simulator: drivers on routes as a committed plan leaves
them, each driver's day (driving, service at stops, incidents) and phone (fixes every 5 s, GPS
noise, multipath, urban-canyon dropouts, offline spells uploaded late; every 5th phone on
Traccar Client's OsmAnd protocol) from `lastmile.sim`.

Routes are written straight into the database, as `POST /api/v1/plans/{id}/commit` leaves
them (a planner run for 2,000 drivers is not what this test measures), and so are the driver
app's sessions, as signing in with a PIN leaves them (hashing 2,000 PINs is not measured
either); everything else goes through the public API: drivers, shipments, and then only what
the simulated phones send, the driver app's batches with the driver's session. Each
driver is some minutes into the day when the fleet is made, so the load test meets a fleet
spread over its day: loading at the hub, driving, at a door.
"""

import asyncio
import heapq
import json
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bench._load import Connection
from sqlalchemy.orm import Session

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop
from lastmile.driver_auth import service as driver_service
from lastmile.fleet.models import Driver, Vehicle
from lastmile.geo import from_local_m, haversine_m
from lastmile.routing import polyline
from lastmile.sim.driver import Action, PlannedRoute, PlannedStop
from lastmile.sim.fleet import build_fleet
from lastmile.sim.gps import PhoneProfile, Upload
from lastmile.sim.motion import path_length_m
from lastmile.sim.runner import SimPhone, messages
from lastmile.sim.world import Day

STOPS_PER_ROUTE = 16
LEG_M = 1200.0
PLANNED_MPS = 8.0
SERVICE_S = 150.0
INTO_THE_DAY_S = (0.0, 1500.0)
"""How far past its planned start each driver's day is when the fleet is made."""
PHONE = PhoneProfile(interval_moving_s=5.0, interval_still_s=5.0)
"""One fix every 5 s, moving or not, as the load test asks."""
HUB_AT = (60.1719, 24.9414)
HUB = {
    "code": "LOAD",
    "name": "Load test hub",
    "lat": HUB_AT[0],
    "lon": HUB_AT[1],
    "timezone": "Europe/Helsinki",
}
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
SESSION_TTL_S = 24 * 3600


@dataclass(eq=False)
class SimDriver:
    """One driver of the load test: the simulated phone, and which stops are done."""

    number: int
    phone: SimPhone
    tokens: dict[str, str]
    """Tracking number to tracking-link token, for the pages the test opens."""
    session_token: str
    """The driver app's session, for `POST /api/v1/driver/fixes`."""
    done: set[str] = field(default_factory=set)

    @property
    def device_id(self) -> str:
        return self.phone.day.route.device_id

    def current_token(self) -> str:
        """The tracking link of the stop the driver is on the way to (or the last one)."""
        stops = self.phone.day.route.stops
        pending = [s for s in stops if s.tracking_number not in self.done] or [stops[-1]]
        return self.tokens[pending[0].tracking_number]


Item = Upload | Action


class Schedule:
    """Every driver's uploads and actions in sending order; drivers can join at any time."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []
        """(send time, uploads before actions, driver): one entry per driver, its next."""
        self._streams: dict[int, Iterator[tuple[float, int, Item, str]]] = {}
        self._pending: dict[int, Item] = {}
        self.drivers: dict[int, SimDriver] = {}

    def add(self, driver: SimDriver) -> None:
        self.drivers[driver.number] = driver
        self._streams[driver.number] = messages([driver.phone])
        self._advance(driver.number)

    def pop_until(self, until_s: float) -> tuple[float, SimDriver, Item] | None:
        """The next message sent before `until_s`, or None when there is none yet."""
        if not self._heap or self._heap[0][0] >= until_s:
            return None
        send_s, _, number = heapq.heappop(self._heap)
        item = self._pending.pop(number)
        self._advance(number)
        return send_s, self.drivers[number], item

    def _advance(self, number: int) -> None:
        following = next(self._streams[number], None)
        if following is not None:
            send_s, order, item, _ = following
            self._pending[number] = item
            heapq.heappush(self._heap, (send_s, order, number))


async def register_drivers(
    connection: Connection, headers: dict[str, str], numbers: range
) -> list[tuple[int, str]]:
    """(number, driver id) for each new driver, its phone's device id `load-{number}`."""
    drivers = []
    for k in numbers:
        body = {"name": f"Driver {k}", "device_ids": [f"load-{k}"]}
        status, payload = await connection.post_json("/api/v1/drivers", body, headers)
        assert status == 201, payload[:500]
        drivers.append((k, json.loads(payload)["id"]))
    return drivers


async def create_hub(connection: Connection, headers: dict[str, str]) -> str:
    status, payload = await connection.post_json("/api/v1/hubs", HUB, headers)
    assert status == 201, payload
    hub_id: str = json.loads(payload)["id"]
    return hub_id


def _stop_points(number: int) -> list[tuple[float, float]]:
    """A staircase out of the hub, each driver's turned by the golden angle from the last."""
    bearing = 2.0 * math.pi * ((number * GOLDEN) % 1.0)
    axes = [(math.sin(bearing), math.cos(bearing)), (math.cos(bearing), -math.sin(bearing))]
    east = north = 0.0
    points = []
    for j in range(STOPS_PER_ROUTE):
        axis_east, axis_north = axes[j % 2]
        east += axis_east * LEG_M
        north += axis_north * LEG_M
        points.append(from_local_m(east, north, origin_lat=HUB_AT[0], origin_lon=HUB_AT[1]))
    return points


def _into_the_day_s(number: int) -> float:
    low, high = INTO_THE_DAY_S
    return low + (high - low) * ((number * GOLDEN * GOLDEN) % 1.0)


async def _shipments(
    connection: Connection, headers: dict[str, str], hub_id: str, drivers: list[tuple[int, str]]
) -> dict[str, dict[str, str]]:
    """Each driver's shipments, at its stops, by reference `LOAD-{driver}-{stop}`."""
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(hours=2)).isoformat(),
        "end": (now + timedelta(hours=6)).isoformat(),
    }
    rows = [
        {
            "reference": f"LOAD-{number}-{j}",
            "recipient": {"name": f"Recipient {number}-{j}"},
            "address": {"text": f"Stop {j} of driver {number}", "lat": lat, "lon": lon},
            "hub_id": hub_id,
            "window": window,
        }
        for number, _ in drivers
        for j, (lat, lon) in enumerate(_stop_points(number))
    ]
    created: dict[str, dict[str, str]] = {}
    for first in range(0, len(rows), 1000):
        chunk = rows[first : first + 1000]
        status, payload = await connection.post_json(
            "/api/v1/shipments/bulk", {"shipments": chunk}, headers
        )
        answer = json.loads(payload)
        assert status == 200, payload[:500]
        assert not answer["errors"], answer["errors"][:3]
        for row, shipment in zip(chunk, answer["shipments"], strict=True):
            created[str(row["reference"])] = shipment
    return created


def _planned_route(number: int, driver_id: str, start_s: float, numbers: list[str]) -> PlannedRoute:
    """The route as the planner would time it: `PLANNED_MPS` between stops, `SERVICE_S` at each."""
    stops = []
    t = start_s
    for (lat, lon), tracking_number in zip(_stop_points(number), numbers, strict=True):
        t += LEG_M / PLANNED_MPS
        stops.append(PlannedStop(tracking_number, lat, lon, t, t + SERVICE_S))
        t += SERVICE_S
    home_m = haversine_m(*HUB_AT, stops[-1].lat, stops[-1].lon)
    return PlannedRoute(
        route_id="",
        driver_id=driver_id,
        device_id=f"load-{number}",
        hub=HUB_AT,
        planned_start_s=start_s,
        planned_end_s=t + home_m / PLANNED_MPS,
        geometry=(HUB_AT, *((s.lat, s.lon) for s in stops), HUB_AT),
        stops=tuple(stops),
    )


def _write_routes(
    database: Database,
    org_id: uuid.UUID,
    hub_id: uuid.UUID,
    routes: list[PlannedRoute],
    shipment_ids: dict[str, str],
) -> list[PlannedRoute]:
    """The routes' rows as a committed plan writes them; the routes with their ids."""
    written = []
    with Session(database.engine) as session:
        for route in routes:
            vehicle = Vehicle(org_id=org_id, plate=f"LOAD-{route.device_id}", capacity_parcels=50)
            session.add(vehicle)
            session.flush()
            row = Route(
                org_id=org_id,
                hub_id=hub_id,
                date=_utc(route.planned_start_s).date(),
                driver_id=uuid.UUID(route.driver_id),
                vehicle_id=vehicle.id,
                status=RouteStatus.PLANNED,
                day_start=_utc(route.planned_start_s),
                planned_start=_utc(route.planned_start_s),
                planned_end=_utc(route.planned_end_s),
                distance_m=path_length_m(list(route.geometry)),
                duration_s=route.planned_end_s - route.planned_start_s,
                polyline6=polyline.encode(list(route.geometry)),
            )
            session.add(row)
            session.flush()
            for j, stop in enumerate(route.stops):
                session.add(
                    RouteStop(
                        org_id=org_id,
                        route_id=row.id,
                        shipment_id=uuid.UUID(shipment_ids[stop.tracking_number]),
                        sequence=j,
                        planned_arrival=_utc(stop.planned_arrival_s),
                        planned_departure=_utc(stop.planned_departure_s),
                    )
                )
            written.append(replace(route, route_id=str(row.id)))
        session.commit()
    return written


async def put_on_routes(
    connection: Connection,
    headers: dict[str, str],
    database: Database,
    *,
    org_id: uuid.UUID,
    hub_id: str,
    drivers: list[tuple[int, str]],
    seed: int,
    secret_key: str,
) -> list[SimDriver]:
    """Give each new driver a route, a simulated day some minutes into it already, and the
    driver app's session (the servers' `secret_key` signs it)."""
    created = await _shipments(connection, headers, hub_id, drivers)
    now_s = time.time()
    routes = [
        _planned_route(
            number,
            driver_id,
            now_s - _into_the_day_s(number),
            [created[f"LOAD-{number}-{j}"]["tracking_number"] for j in range(STOPS_PER_ROUTE)],
        )
        for number, driver_id in drivers
    ]
    shipment_ids = {s["tracking_number"]: s["id"] for s in created.values()}
    routes = await asyncio.to_thread(
        _write_routes, database, org_id, uuid.UUID(hub_id), routes, shipment_ids
    )
    day = Day(
        start_s=min(r.planned_start_s for r in routes),
        date=_utc(now_s).date(),
        hub_id=hub_id,
        hub=HUB_AT,
        timezone=str(HUB["timezone"]),
        routes=routes,
        device_protocols={r.device_id: "osmand" for r in routes[4::5]},
    )
    fleet = await asyncio.to_thread(build_fleet, day, seed=seed, profile=PHONE)
    tokens = {s["tracking_number"]: s["tracking_url"].rsplit("/", 1)[1] for s in created.values()}
    sessions = await asyncio.to_thread(
        _sign_in, database, [driver_id for _, driver_id in drivers], secret_key=secret_key
    )
    return [
        SimDriver(number, phone, tokens, session)
        for (number, _), phone, session in zip(drivers, fleet.phones, sessions, strict=True)
    ]


def _sign_in(database: Database, driver_ids: list[str], *, secret_key: str) -> list[str]:
    """A driver app session for each driver, as a PIN sign-in starts it: their tokens."""
    with Session(database.engine) as session:
        tokens = [
            driver_service.start_session(
                session=session,
                driver=session.get_one(Driver, uuid.UUID(driver_id)),
                secret_key=secret_key,
                ttl_s=SESSION_TTL_S,
            ).token
            for driver_id in driver_ids
        ]
        session.commit()
    return tokens


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
