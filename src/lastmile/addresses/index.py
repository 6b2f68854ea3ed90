"""Write an extract's addresses into the database as one map's index (replacing it).

A street's name in the other language (`Mannerheimvägen` for `Mannerheimintie`) is a name
of its own carrying copies of the street's points, so a Swedish text finds the door as
surely as a Finnish one, at the cost of a second row per bilingual address.

The caller owns the transaction; a whole map is replaced in it, so readers see the old
index or the new one, never half of each.
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lastmile.addresses.extract import Extract, RawAddress, read_extract
from lastmile.addresses.models import AddressGram, AddressMap, AddressName, AddressPoint
from lastmile.addresses.normalise import grams, key, parse_house_number

logger = logging.getLogger(__name__)

_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class IndexSummary:
    map_name: str
    names: int
    points: int
    skipped: int
    """Addresses left out: a house number that reads as none, or neither street nor place."""
    took_s: float


def index_extract(*, session: Session, path: Path, map_name: str) -> IndexSummary:
    """Read `path` and store its addresses as the index named `map_name`."""
    started = time.perf_counter()
    extract = read_extract(path)
    summary = store(session=session, extract=extract, map_name=map_name, source=path.name)
    took = time.perf_counter() - started
    logger.info("address index %r: %d names, %d points", map_name, summary.names, summary.points)
    return IndexSummary(map_name, summary.names, summary.points, summary.skipped, took)


def store(*, session: Session, extract: Extract, map_name: str, source: str) -> IndexSummary:
    """Replace the index `map_name` with what `extract` holds."""
    session.execute(delete(AddressMap).where(AddressMap.name == map_name))
    address_map = AddressMap(name=map_name, source=source[:300])
    session.add(address_map)
    session.flush()
    map_id = address_map.id

    names, other_names = _names(extract)
    _insert(session, AddressName, [{"map_id": map_id, **row} for row in names.values()])
    ids = {
        (kind, name_key): name_id
        for name_id, kind, name_key in session.execute(
            select(AddressName.id, AddressName.kind, AddressName.key).where(
                AddressName.map_id == map_id
            )
        )
    }
    _insert(
        session,
        AddressGram,
        [
            {"gram": gram, "name_id": name_id}
            for (_, name_key), name_id in ids.items()
            for gram in grams(name_key)
        ],
    )
    points, skipped = _points(extract.addresses, ids, map_id)
    _insert(session, AddressPoint, [*points, *_copies(points, other_names, ids)])
    address_map.names = len(ids)
    address_map.points = len(points)
    session.flush()
    return IndexSummary(map_name, len(ids), len(points), skipped, 0.0)


def _names(
    extract: Extract,
) -> tuple[dict[tuple[str, str], dict[str, object]], dict[str, str]]:
    """Streets (from highways and from `addr:street`), places and postcodes, by (kind, key);
    and the key of each street's other name with the key of the street it names."""
    names: dict[tuple[str, str], dict[str, object]] = {}
    for name, nodes in extract.streets.items():
        lat, lon = _middle_node(nodes)
        _add(names, "street", name, lat, lon)
    other_names: dict[str, str] = {}
    for name, others in extract.other_names.items():
        street = names.get(("street", key(name)))
        for other in sorted(others):
            # A name that is already some street's own stays that street's alone.
            if street is not None and _add(names, "street", other, street["lat"], street["lon"]):
                other_names[key(other)] = key(name)
    for place in extract.places:
        _add(names, "place", place.name, place.lat, place.lon)
    by_street: dict[str, list[RawAddress]] = {}
    by_postcode: dict[str, list[RawAddress]] = {}
    for address in extract.addresses:
        if address.street:
            by_street.setdefault(address.street, []).append(address)
        elif address.place:
            by_street.setdefault(address.place, []).append(address)
        if address.postcode:
            by_postcode.setdefault(address.postcode.strip(), []).append(address)
    for name, addresses in by_street.items():
        kind = "street" if addresses[0].street else "place"
        _add(names, kind, name, *_mean(addresses))
    for postcode, addresses in by_postcode.items():
        _add(names, "postcode", postcode, *_mean(addresses))
    return names, other_names


def _add(
    names: dict[tuple[str, str], dict[str, object]], kind: str, name: str, lat: object, lon: object
) -> bool:
    """Add a name unless one with the same key is there; whether it was added."""
    name_key = key(name)
    if not name_key or (kind, name_key) in names:
        return False
    names[kind, name_key] = {
        "kind": kind,
        "name": name[:300],
        "key": name_key[:300],
        "lat": lat,
        "lon": lon,
    }
    return True


def _copies(
    points: list[dict[str, object]], other_names: dict[str, str], ids: dict[tuple[str, str], int]
) -> list[dict[str, object]]:
    """The points of every street with another name, once more under that name."""
    by_street: dict[object, list[dict[str, object]]] = {}
    for point in points:
        by_street.setdefault(point["street_id"], []).append(point)
    return [
        {**point, "street_id": ids["street", other_key]}
        for other_key, street_key in other_names.items()
        for point in by_street.get(ids.get(("street", street_key)), [])
    ]


def _points(
    addresses: list[RawAddress], ids: dict[tuple[str, str], int], map_id: int
) -> tuple[list[dict[str, object]], int]:
    rows: list[dict[str, object]] = []
    skipped = 0
    for address in addresses:
        number = parse_house_number(address.housenumber)
        street_id = None
        if address.street:
            street_id = ids.get(("street", key(address.street)))
        elif address.place:
            street_id = ids.get(("place", key(address.place)))
        if number is None or street_id is None:
            skipped += 1
            continue
        rows.append(
            {
                "map_id": map_id,
                "street_id": street_id,
                "housenumber": address.housenumber[:40],
                "number": number.number,
                "number_to": number.number_to,
                "letter": number.letter[:8],
                "postcode": address.postcode[:16] if address.postcode else None,
                "city": address.city[:120] if address.city else None,
                "lat": address.lat,
                "lon": address.lon,
            }
        )
    return rows, skipped


def _middle_node(nodes: list[tuple[float, float]]) -> tuple[float, float]:
    """The street's node nearest the mean of its nodes: a point on the street itself."""
    lat = sum(n[0] for n in nodes) / len(nodes)
    lon = sum(n[1] for n in nodes) / len(nodes)
    return min(nodes, key=lambda n: (n[0] - lat) ** 2 + (n[1] - lon) ** 2)


def _mean(addresses: list[RawAddress]) -> tuple[float, float]:
    return (
        sum(a.lat for a in addresses) / len(addresses),
        sum(a.lon for a in addresses) / len(addresses),
    )


def _insert(session: Session, table: type[object], rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), _BATCH):
        session.execute(insert(table), rows[start : start + _BATCH])
