"""Read what an address index needs out of an OpenStreetMap extract (pyosmium).

Address nodes and buildings with `addr:housenumber`, named highways (the streets) with
their names in the other official language (`name:sv` on a Helsinki street whose `name`
and `addr:street` are Finnish), named places, and the postcodes the addresses carry.
Multipolygon buildings (relations) are counted but not read: in the extracts we use they
are a handful, and their address is usually also on an entrance node.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import osmium

from lastmile.errors import InvalidInput

logger = logging.getLogger(__name__)

PLACE_KINDS: Final = frozenset(
    {"city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood", "locality"}
)
_NOT_STREETS: Final = frozenset({"proposed", "construction", "platform", "bus_stop", "elevator"})
OTHER_NAMES: Final = ("name:fi", "name:sv")
"""A street's names in Finland's two languages: whichever `name` is not, the other one is."""


@dataclass(frozen=True, slots=True)
class RawAddress:
    """One `addr:*` object as tagged, at its node or its building's centre."""

    street: str | None
    place: str | None
    housenumber: str
    postcode: str | None
    city: str | None
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class RawPlace:
    name: str
    kind: str
    lat: float
    lon: float


@dataclass
class Extract:
    """What was read: streets by name with their nodes' positions, the other names of each
    street (`Mannerheimintie` → `{Mannerheimvägen}`), places, addresses."""

    streets: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    other_names: dict[str, set[str]] = field(default_factory=dict)
    places: list[RawPlace] = field(default_factory=list)
    addresses: list[RawAddress] = field(default_factory=list)
    skipped_relations: int = 0


def read_extract(path: Path) -> Extract:
    """Read an `.osm.pbf` (or `.osm`, `.osm.bz2`: anything libosmium reads)."""
    if not path.is_file():
        raise InvalidInput("extract", f"{path} does not exist or is not a file")
    found = Extract()
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor:
            _take(obj, found)
    except RuntimeError as error:  # libosmium's parse errors arrive as RuntimeError
        raise InvalidInput("extract", f"{path} is not a readable OSM file: {error}") from error
    if found.skipped_relations:
        logger.info(
            "%s: %d addressed relations (multipolygon buildings) left out",
            path.name,
            found.skipped_relations,
        )
    return found


def _take(obj: object, found: Extract) -> None:
    tags = obj.tags  # type: ignore[attr-defined]
    housenumber = tags.get("addr:housenumber")
    if isinstance(obj, osmium.osm.Node):
        if not obj.location.valid():
            return
        lat, lon = obj.location.lat, obj.location.lon
        if housenumber:
            found.addresses.append(_address(tags, housenumber, lat, lon))
        place, name = tags.get("place"), tags.get("name")
        if place in PLACE_KINDS and name:
            found.places.append(RawPlace(name, place, lat, lon))
    elif isinstance(obj, osmium.osm.Way):
        points = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
        if not points:
            return
        highway, name = tags.get("highway"), tags.get("name")
        if highway and name and highway not in _NOT_STREETS:
            found.streets.setdefault(name, []).extend(points)
            for tag in OTHER_NAMES:
                other = tags.get(tag)
                if other and other != name:
                    found.other_names.setdefault(name, set()).add(other)
        if housenumber:
            ring = points[:-1] if len(points) > 1 and points[0] == points[-1] else points
            lat = sum(p[0] for p in ring) / len(ring)
            lon = sum(p[1] for p in ring) / len(ring)
            found.addresses.append(_address(tags, housenumber, lat, lon))
    elif isinstance(obj, osmium.osm.Relation) and housenumber:
        found.skipped_relations += 1


def _address(tags: osmium.osm.TagList, housenumber: str, lat: float, lon: float) -> RawAddress:
    return RawAddress(
        street=tags.get("addr:street"),
        place=tags.get("addr:place"),
        housenumber=housenumber,
        postcode=tags.get("addr:postcode"),
        city=tags.get("addr:city"),
        lat=lat,
        lon=lon,
    )
