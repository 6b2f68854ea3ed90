"""Set a simulated day up on a server through its public API, and read the routes back.

`Scenario` says how big the day is and where; `sample_addresses` draws delivery addresses on
the map's roads (snapped, on the hub's part of the network) inside the map's bounds, or
uniformly around the hub when no map is built. `setup_day` then creates the hub (or reuses it
by code, setting its opening hours to the simulated shift), the crew (`sim.crew`: drivers
with a phone number, a PIN and their phones' device ids, one vehicle each) and the shipments,
each with its pin and the text of the real address nearest it (`sim.address_texts`); plans the
day with the server's planner, commits the plan and returns each route as the driver's phone
would get it. `load_day` reads a day set up earlier back from the server.
"""

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.maps import map_dir, open_network
from lastmile.routing.network import (
    LatLon,
    RoadNetwork,
    RoutingError,
    largest_component_check,
)
from lastmile.routing.paths import road_path
from lastmile.routing.polyline import decode
from lastmile.routing.tiles import read_map_info
from lastmile.sim.address_texts import address_text
from lastmile.sim.cash import COD_CURRENCY, COD_SHARE, cod_amount
from lastmile.sim.crew import NAMES, SURNAMES, CrewMember, enlist
from lastmile.sim.driver import PlannedRoute, PlannedStop
from lastmile.sim.regulars import Regular, find_regulars, reachable

MAX_SNAP_M = 60.0
WINDOW_S = 2 * 3600.0


@dataclass(frozen=True, slots=True)
class Area:
    """Where addresses may be drawn: a box in degrees."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def shrunk(self, fraction: float) -> "Area":
        dlat = (self.max_lat - self.min_lat) * fraction / 2
        dlon = (self.max_lon - self.min_lon) * fraction / 2
        return Area(
            self.min_lat + dlat, self.min_lon + dlon, self.max_lat - dlat, self.max_lon - dlon
        )

    @property
    def centre(self) -> LatLon:
        return (self.min_lat + self.max_lat) / 2, (self.min_lon + self.max_lon) / 2


@dataclass(frozen=True, slots=True)
class Scenario:
    """A simulated day: how many drivers, how many stops each, where and when."""

    drivers: int = 3
    stops_per_driver: int = 10
    seed: int = 1
    hub_code: str = "SIM1"
    hub: LatLon | None = None
    timezone: str = "Europe/Helsinki"
    shift_s: float = 8 * 3600.0
    osmand_share: float = 0.2
    """Share of phones running Traccar Client (OsmAnd) instead of our app: every 5th at 0.2."""
    window_share: float = 0.4
    """Share of shipments booked into a two-hour window; the rest come any time in the shift."""
    plan_seconds: float = 2.0
    crew_tag: str | None = None
    """Reuse the drivers and vehicles of earlier runs with this tag (the demo); None: new ones."""
    pins: bool = True
    """Give the drivers PINs to sign in to the driver app (not needed for shipment events)."""
    regular_share: float = 0.0
    """Share of shipments going to regular customers (`sim.regulars`): the same addresses
    every day, sent as text only, delivered at their doors."""
    cod_share: float = COD_SHARE
    """Share of shipments paid in cash at the door (`sim.cash`)."""
    fuzzy_share: float = 0.03
    """Share of shipments whose text leaves the house number out (`sim.address_texts`): the
    ones the Control Tower's "needs attention" filter shows. The rest name their real address."""


@dataclass(frozen=True, eq=False)
class Day:
    """What `setup_day` made: the routes to drive and where everything is."""

    start_s: float
    date: date
    hub_id: str
    hub: LatLon
    timezone: str
    routes: list[PlannedRoute]
    unassigned: list[dict[str, Any]] = field(default_factory=list)
    device_protocols: dict[str, str] = field(default_factory=dict)
    crew: dict[str, CrewMember] = field(default_factory=dict)
    """Each driver (by id) as their phone knows them: phone number, PIN, vehicle."""


def local_network(data_dir: Path, map_name: str | None) -> tuple[RoadNetwork, Area | None]:
    """The map the server uses too (same data dir), and its bounds when it is built."""
    network = open_network(data_dir, map_name)
    info = read_map_info(map_dir(data_dir, map_name or "helsinki"))
    bbox = info.bbox if info else None
    area = Area(bbox.min_lat, bbox.min_lon, bbox.max_lat, bbox.max_lon) if bbox else None
    return network, area


def default_area(hub: LatLon) -> Area:
    """About 2 x 2 km around the hub, for a server without a map."""
    return Area(hub[0] - 0.009, hub[1] - 0.018, hub[0] + 0.009, hub[1] + 0.018)


def sample_addresses(
    network: RoadNetwork, area: Area, count: int, rng: random.Random, *, hub: LatLon
) -> list[LatLon]:
    """`count` points on roads inside `area`, each reachable from the hub and back."""
    if isinstance(network, HaversineNetwork):
        return [
            (rng.uniform(area.min_lat, area.max_lat), rng.uniform(area.min_lon, area.max_lon))
            for _ in range(count)
        ]
    found: list[LatLon] = []
    for _ in range(40):
        candidates: list[LatLon] = []
        while len(candidates) < 2 * (count - len(found)) + 5:
            point = (
                rng.uniform(area.min_lat, area.max_lat),
                rng.uniform(area.min_lon, area.max_lon),
            )
            try:
                snap = network.snap(point)
            except RoutingError:
                continue
            if snap.distance_m <= MAX_SNAP_M:
                candidates.append((round(snap.lat, 6), round(snap.lon, 6)))
        verdicts = largest_component_check(network, candidates, reference=hub)
        found.extend(p for p, v in zip(candidates, verdicts, strict=True) if v.ok)
        if len(found) >= count:
            return found[:count]
    raise RoutingError(f"found only {len(found)} of {count} reachable addresses in {area}")


class Api:
    """The few API calls the set-up makes, raising with the server's answer on failure."""

    def __init__(self, client: httpx.Client, api_key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.headers, **kwargs)
        if not response.is_success:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None


def setup_day(
    api: Api,
    scenario: Scenario,
    *,
    network: RoadNetwork,
    area: Area | None,
    start_s: float,
) -> Day:
    """Create hub, crew and shipments for the day starting at `start_s`; plan and commit it."""
    rng = random.Random(scenario.seed)
    zone = ZoneInfo(scenario.timezone)
    opens = datetime.fromtimestamp(start_s, zone)
    closes = opens + timedelta(seconds=scenario.shift_s)
    hub_point = scenario.hub or (area.centre if area else (60.1699, 24.9384))
    if not isinstance(network, HaversineNetwork):
        snapped = network.snap(hub_point)
        hub_point = (round(snapped.lat, 6), round(snapped.lon, 6))
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[opens.weekday()]
    hours = {weekday: [[opens.strftime("%H:%M"), closes.strftime("%H:%M")]]}
    hub = _hub(api, scenario, hub_point, hours)
    _cancel_leftovers(api, hub["id"], opens.date())
    tag = uuid.uuid4().hex[:6]
    crew = enlist(
        api,
        size=scenario.drivers,
        capacity_parcels=scenario.stops_per_driver,
        tag=scenario.crew_tag,
        pins=scenario.pins,
    )
    count = scenario.drivers * scenario.stops_per_driver
    points = sample_addresses(network, area or default_area(hub_point), count, rng, hub=hub_point)
    regulars = _regulars(api, scenario, network, area or default_area(hub_point), hub_point)
    windows: dict[str, float] = {}
    where: dict[str, LatLon] = {}
    doors: dict[str, LatLon] = {}
    rows = []
    for k, (lat, lon) in enumerate(points):
        window_s = min(WINDOW_S, scenario.shift_s / 2)
        earliest, latest = start_s + 900.0, start_s + scenario.shift_s - window_s - 900.0
        begins = math.ceil(rng.uniform(earliest, max(earliest, latest)) / 900.0) * 900.0
        address: dict[str, Any]
        if k < len(regulars):  # the server places it, from its text or earlier deliveries
            address = {"text": regulars[k].text}
        else:
            fuzzy = _every(k, scenario.fuzzy_share)
            text = address_text(api.call, (lat, lon), number=k + 1, fuzzy=fuzzy)
            address = {"text": text, "lat": lat, "lon": lon}
        row: dict[str, Any] = {
            "reference": f"SIM-{tag}-{k + 1:05d}",
            "recipient": {"name": f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"},
            "address": address,
            "delivery_date": opens.date().isoformat(),
            "hub_id": hub["id"],
            "service_time_s": 150,
            "parcel_count": 1,
        }
        cod = cod_amount(seed=scenario.seed, index=k, share=scenario.cod_share)
        if cod is not None:
            row["cod"] = {"amount": str(cod), "currency": COD_CURRENCY}
        if _every(k, scenario.window_share):
            row["window"] = {"start": _iso(begins), "end": _iso(begins + window_s)}
        rows.append(row)
    for chunk in range(0, len(rows), 1000):
        result = api.call(
            "POST", "/api/v1/shipments/bulk", json={"shipments": rows[chunk : chunk + 1000]}
        )
        if result["failed"]:
            raise RuntimeError(f"shipments refused: {result['errors'][:3]}")
        for k, (shipment, row) in enumerate(
            zip(result["shipments"], rows[chunk : chunk + 1000], strict=True), start=chunk
        ):
            number = shipment["tracking_number"]
            if shipment["address"]["lat"] is None:  # a regular the server could not place
                reason = {"reason": "simulated: the address text found no door"}
                api.call("POST", f"/api/v1/shipments/{number}/cancel", json=reason)
                continue
            where[number] = (shipment["address"]["lat"], shipment["address"]["lon"])
            if k < len(regulars):
                doors[number] = regulars[k].door
            if "window" in row:
                windows[number] = _epoch(row["window"]["start"])
    plan = api.call(
        "POST",
        "/api/v1/plans",
        json={
            "hub_id": hub["id"],
            "date": opens.date().isoformat(),
            "driver_ids": [m.driver_id for m in crew],
            "vehicle_ids": [m.vehicle_id for m in crew],
            "time_limit_s": scenario.plan_seconds,
        },
    )
    committed = api.call("POST", f"/api/v1/plans/{plan['id']}/commit")
    return _day(
        api,
        scenario,
        crew,
        committed["routes"],
        where=where,
        windows=windows,
        doors=doors,
        hub=(hub["id"], hub_point),
        start_s=start_s,
        network=network,
        unassigned=plan["unassigned"],
    )


def load_day(
    api: Api, scenario: Scenario, *, route_ids: list[str], start_s: float, network: RoadNetwork
) -> Day:
    """The day `setup_day` made (its routes named), read back from the server: the same
    routes in the same order, the crew given new PINs."""
    crew = enlist(
        api,
        size=scenario.drivers,
        capacity_parcels=scenario.stops_per_driver,
        tag=scenario.crew_tag,
        pins=scenario.pins,
    )
    routes = [api.call("GET", f"/api/v1/routes/{route_id}") for route_id in route_ids]
    hub = next(h for h in api.call("GET", "/api/v1/hubs") if h["code"] == scenario.hub_code)
    where: dict[str, LatLon] = {}
    windows: dict[str, float] = {}
    return _day(
        api,
        scenario,
        crew,
        routes,
        where=where,
        windows=windows,
        hub=(hub["id"], (hub["lat"], hub["lon"])),
        start_s=start_s,
        network=network,
        unassigned=[],
    )


def _day(
    api: Api,
    scenario: Scenario,
    crew: list[CrewMember],
    server_routes: list[dict[str, Any]],
    *,
    where: dict[str, LatLon],
    windows: dict[str, float],
    hub: tuple[str, LatLon],
    start_s: float,
    network: RoadNetwork,
    unassigned: list[dict[str, Any]],
    doors: dict[str, LatLon] | None = None,
) -> Day:
    """The routes as the phones get them, in crew order (so the same fleet is built again)."""
    for route in server_routes:
        for stop in route["stops"]:
            if stop["tracking_number"] not in where:  # left over from an earlier run: reused
                _learn(api, stop["tracking_number"], where, windows)
    order = {m.driver_id: k for k, m in enumerate(crew)}
    members = {m.driver_id: m for m in crew}
    hub_id, hub_point = hub
    routes = [
        _planned_route(
            r, members[r["driver_id"]].device_id, hub_point, where, windows, doors or {}, network
        )
        for r in sorted(server_routes, key=lambda r: order[r["driver_id"]])
        if r["stops"]
    ]
    protocols = {
        m.device_id: "osmand" if _every(k, scenario.osmand_share) else "native"
        for k, m in enumerate(crew)
    }
    return Day(
        start_s,
        datetime.fromtimestamp(start_s, ZoneInfo(scenario.timezone)).date(),
        hub_id,
        hub_point,
        scenario.timezone,
        routes,
        unassigned,
        protocols,
        members,
    )


def _regulars(
    api: Api, scenario: Scenario, network: RoadNetwork, area: Area, hub: LatLon
) -> list[Regular]:
    """The day's regular customers: drawn with a generator of their own, so the same ones
    come back every day whatever else the day holds."""
    count = round(scenario.drivers * scenario.stops_per_driver * scenario.regular_share)
    if count == 0:
        return []
    rng = random.Random(f"regulars-{scenario.seed}")
    found = find_regulars(api.call, sample_addresses(network, area, count, rng, hub=hub))
    return reachable(network, found, hub=hub)[:count]


def _every(k: int, share: float) -> bool:
    """Whether item `k` is among an evenly spread `share` of items: every 5th at 0.2."""
    return int((k + 1) * share) > int(k * share)


def _cancel_leftovers(api: Api, hub_id: str, day: date) -> None:
    """Cancel shipments an earlier simulated run left unplanned on this hub and day.

    They would compete with this run's shipments in the plan. Only the simulator's own
    (reference `SIM-...`, no driver) are touched.
    """
    params: dict[str, Any] = {
        "hub_id": hub_id,
        "date": day.isoformat(),
        "status": ["created", "at_hub", "returned_to_hub"],
        "limit": 500,
    }
    leftovers: list[str] = []
    while True:
        page = api.call("GET", "/api/v1/shipments", params=params)
        leftovers += [
            s["tracking_number"]
            for s in page["items"]
            if (s["reference"] or "").startswith("SIM-") and s["driver_id"] is None
        ]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    for number in leftovers:
        reason = {"reason": "left over from an earlier simulated day"}
        api.call("POST", f"/api/v1/shipments/{number}/cancel", json=reason)


def _learn(api: Api, number: str, where: dict[str, LatLon], windows: dict[str, float]) -> None:
    shipment = api.call("GET", f"/api/v1/shipments/{number}")
    where[number] = (shipment["address"]["lat"], shipment["address"]["lon"])
    if shipment.get("window"):
        windows[number] = _epoch(shipment["window"]["start"])


def _hub(api: Api, scenario: Scenario, point: LatLon, hours: dict[str, Any]) -> dict[str, Any]:
    for hub in api.call("GET", "/api/v1/hubs"):
        if hub["code"] == scenario.hub_code:
            updated: dict[str, Any] = api.call(
                "PATCH", f"/api/v1/hubs/{hub['id']}", json={"opening_hours": hours}
            )
            return updated
    created: dict[str, Any] = api.call(
        "POST",
        "/api/v1/hubs",
        json={
            "code": scenario.hub_code,
            "name": "Simulated hub",
            "lat": point[0],
            "lon": point[1],
            "timezone": scenario.timezone,
            "opening_hours": hours,
        },
    )
    return created


def _planned_route(
    route: dict[str, Any],
    device_id: str,
    hub: LatLon,
    where: dict[str, LatLon],
    windows: dict[str, float],
    doors: dict[str, LatLon],
    network: RoadNetwork,
) -> PlannedRoute:
    stops = tuple(
        PlannedStop(
            tracking_number=s["tracking_number"],
            lat=where[s["tracking_number"]][0],
            lon=where[s["tracking_number"]][1],
            planned_arrival_s=_epoch(s["planned_arrival"]),
            planned_departure_s=_epoch(s["planned_departure"]),
            window_start_s=windows.get(s["tracking_number"]),
            door=doors.get(s["tracking_number"]),
        )
        for s in sorted(route["stops"], key=lambda s: s["sequence"])
    )
    return PlannedRoute(
        route_id=route["id"],
        driver_id=route["driver_id"],
        device_id=device_id,
        hub=hub,
        planned_start_s=_epoch(route["planned_start"]),
        planned_end_s=_epoch(route["planned_end"]),
        geometry=tuple(decode(route["polyline6"]))
        or road_path(network, [hub, *((s.lat, s.lon) for s in stops), hub]),
        stops=stops,
    )


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
