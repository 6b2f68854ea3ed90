"""Regular customers of the simulated merchant: a share of each day's shipments goes to the same
real addresses, day after day, so that the platform learns where their doors are.

A regular is a real address of the server's address index: the nearest one to a point drawn
like any other address (the server's reverse geocoding), kept when its text geocodes back to
it with confidence. Its shipments are sent as text only, as a web shop's order form sends them,
and the server places them: where the text geocodes, or, once earlier deliveries agree (or one
the driver's track confirmed at the door), where they were made (`addresses.learned`). The
door is `DOOR_M` from the address point, in a direction fixed by the text: the driver parks
where the route says and walks there (`sim.driver`), waits there and presses "delivered" back
at the van; the track's dwell at the door confirms it. Without an address index no regular is
found and every shipment keeps its pin.

A regular's address point is where the server places its text, not the road point it was
found from: on a clipped map it may snap to a street that leads out of the map and never back
(an address point inside a pedestrian square, 75 m from the drawn point, did), so a regular is
kept only if its own point is reachable from the hub and back (`reachable`).
"""

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lastmile.geo import from_local_m, haversine_m
from lastmile.routing.network import LatLon, RoadNetwork, largest_component_check

DOOR_M: Final = 35.0
SAME_POINT_M: Final = 30.0
"""A reverse-geocoded text whose forward geocode lands further off is not kept."""
CONFIDENT: Final = 0.9

Call = Callable[..., Any]
"""`sim.world.Api.call`: (method, path, **httpx options) → the JSON answer, raising on failure."""


@dataclass(frozen=True, slots=True)
class Regular:
    """A regular customer: the address text sent, its point in the index, its door."""

    text: str
    point: LatLon
    door: LatLon


def door_of(text: str, point: LatLon) -> LatLon:
    """The door of the address `text` at `point`: `DOOR_M` away, in a direction the text fixes.

    >>> from lastmile.geo import haversine_m
    >>> door = door_of("Mannerheimintie 1, Helsinki", (60.17, 24.94))
    >>> round(haversine_m(*door, 60.17, 24.94))
    35
    >>> door == door_of("Mannerheimintie 1, Helsinki", (60.17, 24.94))
    True
    """
    turn = int.from_bytes(hashlib.sha256(text.encode()).digest()[:2]) / 65536
    angle = 2 * math.pi * turn
    return from_local_m(
        DOOR_M * math.sin(angle),
        DOOR_M * math.cos(angle),
        origin_lat=point[0],
        origin_lon=point[1],
    )


def find_regulars(call: Call, points: Sequence[LatLon]) -> list[Regular]:
    """The regular customers near `points` (each address once); empty without an index."""
    found: dict[str, Regular] = {}
    for lat, lon in points:
        try:
            nearest = call("GET", "/api/v1/geocode/reverse", params={"lat": lat, "lon": lon})
        except RuntimeError:  # no address within 1 km, or no index at all
            continue
        text = nearest["label"]
        if text in found or nearest["precision"] != "address":
            continue
        answer = call("GET", "/api/v1/geocode", params={"q": text})
        best = answer["candidates"][0] if answer["candidates"] else None
        point = (nearest["lat"], nearest["lon"])
        if (
            best is None
            or best["score"] < CONFIDENT
            or haversine_m(best["lat"], best["lon"], *point) > SAME_POINT_M
        ):
            continue
        found[text] = Regular(text, point, door_of(text, point))
    return list(found.values())


def reachable(network: RoadNetwork, regulars: Sequence[Regular], *, hub: LatLon) -> list[Regular]:
    """The regulars whose address point can be driven to from `hub` and back."""
    verdicts = largest_component_check(network, [r.point for r in regulars], reference=hub)
    return [r for r, verdict in zip(regulars, verdicts, strict=True) if verdict.ok]
