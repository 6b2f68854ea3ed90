"""The indexed queries behind geocoding: the names sharing trigrams with each text, then
the points on the best of them carrying one of the text's house numbers.

Many texts go in one statement each (a bulk create of 1,000 shipments is a few round trips,
not 1,000). The trigrams live in a plain table (`address_grams`) rather than SQLite FTS5 or
PostgreSQL's pg_trgm, so the same statement runs on both databases and no extension (or
the privilege to create one) is needed; the fine ranking is RapidFuzz's, in `scoring.py`.
"""

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from lastmile.addresses.models import AddressName, AddressPoint

TOP_NAMES: Final = 20
"""Names kept per text, by shared trigrams, for RapidFuzz to rank."""

_TEXTS_PER_STATEMENT: Final = 200
"""Keeps a statement under SQLite's 32,766 bound parameters (about 60 per text)."""
_PAIRS_PER_STATEMENT: Final = 5_000


@dataclass(frozen=True, slots=True)
class PointRow:
    housenumber: str
    number: int
    number_to: int | None
    letter: str
    postcode: str | None
    city: str | None
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class NameHit:
    """A name that shares trigrams with the text."""

    name_id: int
    kind: str
    name: str
    key: str
    lat: float
    lon: float
    shared: int


def find_names(session: Session, texts_grams: Sequence[frozenset[str]]) -> list[list[NameHit]]:
    """For each text's trigrams, the names sharing most of them, best first."""
    found: list[list[NameHit]] = []
    for start in range(0, len(texts_grams), _TEXTS_PER_STATEMENT):
        found.extend(_names_chunk(session, texts_grams[start : start + _TEXTS_PER_STATEMENT]))
    return found


def _names_chunk(session: Session, texts_grams: Sequence[frozenset[str]]) -> list[list[NameHit]]:
    params: dict[str, object] = {"top": TOP_NAMES}
    rows: list[str] = []
    for i, text_grams in enumerate(texts_grams):
        params[f"i{i}"] = i
        for j, gram in enumerate(sorted(text_grams)):
            rows.append(f"(:i{i}, :g{i}_{j})")
            params[f"g{i}_{j}"] = gram
    hits: list[list[NameHit]] = [[] for _ in texts_grams]
    if not rows:
        return hits
    statement = text(
        f"""
        WITH q(i, gram) AS (VALUES {", ".join(rows)}),
        hits AS (
            SELECT q.i AS i, g.name_id AS name_id, COUNT(*) AS shared
            FROM q JOIN address_grams g ON g.gram = q.gram
            GROUP BY q.i, g.name_id
        ),
        ranked AS (
            SELECT i, name_id, shared,
                   ROW_NUMBER() OVER (PARTITION BY i ORDER BY shared DESC, name_id) AS position
            FROM hits
        )
        SELECT r.i, n.id, n.kind, n.name, n.key, n.lat, n.lon, r.shared
        FROM ranked r JOIN address_names n ON n.id = r.name_id
        WHERE r.position <= :top
        ORDER BY r.i, r.shared DESC, n.id
        """  # only placeholders are formatted in; every value is bound
    )
    for row in session.execute(statement, params):
        hits[row[0]].append(NameHit(*row[1:]))
    return hits


def find_points(session: Session, wanted: Collection[tuple[int, int]]) -> dict[int, list[PointRow]]:
    """The points on each name carrying a wanted number, by name id, in id order.

    `wanted`: (name id, house number) pairs; a range such as `12-14` answers 13.
    """
    found: dict[int, list[PointRow]] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), _PAIRS_PER_STATEMENT):
        chunk = pairs[start : start + _PAIRS_PER_STATEMENT]
        params: dict[str, object] = {}
        rows: list[str] = []
        for k, (name_id, number) in enumerate(chunk):
            rows.append(f"(:s{k}, :n{k})")
            params[f"s{k}"], params[f"n{k}"] = name_id, number
        statement = text(
            f"""
            WITH want(street_id, num) AS (VALUES {", ".join(rows)})
            SELECT DISTINCT p.id, p.street_id, p.housenumber, p.number, p.number_to, p.letter,
                   p.postcode, p.city, p.lat, p.lon
            FROM want JOIN address_points p ON p.street_id = want.street_id AND (
                p.number = want.num
                OR (p.number_to IS NOT NULL AND want.num BETWEEN p.number AND p.number_to)
            )
            ORDER BY p.id
            """  # only placeholders are formatted in; every value is bound
        )
        for row in session.execute(statement, params):
            found.setdefault(row[1], []).append(PointRow(*row[2:]))
    return found


def nearest_points(
    session: Session, lat: float, lon: float, *, half_side_deg: float
) -> list[tuple[PointRow, str]]:
    """The address points in a square around (lat, lon), with their street's name, in the
    order they were indexed."""
    half_lon_deg = half_side_deg / max(math.cos(math.radians(lat)), 0.01)
    statement = (
        select(
            AddressPoint.housenumber,
            AddressPoint.number,
            AddressPoint.number_to,
            AddressPoint.letter,
            AddressPoint.postcode,
            AddressPoint.city,
            AddressPoint.lat,
            AddressPoint.lon,
            AddressName.name,
        )
        .join(AddressName, AddressName.id == AddressPoint.street_id)
        .where(
            AddressPoint.lat.between(bindparam("south"), bindparam("north")),
            AddressPoint.lon.between(bindparam("west"), bindparam("east")),
        )
        # A street's own points come before their copies under its other name (`index.py`),
        # so of two points in one place the nearest-first answer names the street as mapped.
        .order_by(AddressPoint.id)
    )
    rows = session.execute(
        statement,
        {
            "south": lat - half_side_deg,
            "north": lat + half_side_deg,
            "west": lon - half_lon_deg,
            "east": lon + half_lon_deg,
        },
    )
    return [(PointRow(*row[:8]), row[8]) for row in rows]
