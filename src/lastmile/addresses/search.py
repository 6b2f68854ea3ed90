"""The one indexed query behind geocoding: names sharing trigrams with each text, and the
points on them carrying one of the text's house numbers.

Many texts go in one statement (a bulk create of 1,000 shipments is a few round trips,
not 1,000). The trigrams live in a plain table (`address_grams`) rather than SQLite FTS5 or
PostgreSQL's pg_trgm, so the same statement runs on both databases and no extension (or
the privilege to create one) is needed; the fine ranking is RapidFuzz's, in `scoring.py`.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from lastmile.addresses.models import AddressName, AddressPoint

TOP_NAMES: Final = 40
"""Names kept per text, by shared trigrams, for RapidFuzz to rank."""

_TEXTS_PER_STATEMENT: Final = 200
"""Keeps a statement under SQLite's 32,766 bound parameters (about 60 per text)."""


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


@dataclass(slots=True)
class NameHit:
    """A name that shares trigrams with the text, with its points that have a wanted number."""

    name_id: int
    kind: str
    name: str
    key: str
    lat: float
    lon: float
    shared: int
    points: list[PointRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Probe:
    """What one text is looked up by: its trigrams and the house numbers it may hold."""

    grams: frozenset[str]
    numbers: frozenset[int]


def find(session: Session, probes: Sequence[Probe]) -> list[list[NameHit]]:
    """For each probe, the names sharing most trigrams with it, best first."""
    found: list[list[NameHit]] = []
    for start in range(0, len(probes), _TEXTS_PER_STATEMENT):
        found.extend(_find_chunk(session, probes[start : start + _TEXTS_PER_STATEMENT]))
    return found


def _find_chunk(session: Session, probes: Sequence[Probe]) -> list[list[NameHit]]:
    params: dict[str, object] = {"top": TOP_NAMES}
    gram_rows: list[str] = []
    number_rows: list[str] = []
    for i, probe in enumerate(probes):
        for j, gram in enumerate(sorted(probe.grams)):
            gram_rows.append(f"(:i{i}, :g{i}_{j})")
            params[f"g{i}_{j}"] = gram
        for j, number in enumerate(sorted(probe.numbers)):
            number_rows.append(f"(:i{i}, :n{i}_{j})")
            params[f"n{i}_{j}"] = number
        params[f"i{i}"] = i
    hits: list[list[NameHit]] = [[] for _ in probes]
    if not gram_rows:
        return hits
    # A VALUES list cannot be empty: a row no text has stands in when no text has a number.
    numbers = ", ".join(number_rows) or "(-1, -1)"
    statement = text(
        f"""
        WITH q(i, gram) AS (VALUES {", ".join(gram_rows)}),
        qn(i, num) AS (VALUES {numbers}),
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
        SELECT r.i, r.shared, n.id, n.kind, n.name, n.key, n.lat, n.lon,
               p.housenumber, p.number, p.number_to, p.letter, p.postcode, p.city, p.lat, p.lon
        FROM ranked r
        JOIN address_names n ON n.id = r.name_id
        LEFT JOIN address_points p ON p.street_id = n.id AND EXISTS (
            SELECT 1 FROM qn WHERE qn.i = r.i AND (
                p.number = qn.num
                OR (p.number_to IS NOT NULL AND qn.num BETWEEN p.number AND p.number_to)
            )
        )
        WHERE r.position <= :top
        ORDER BY r.i, r.shared DESC, n.id, p.id
        """  # only placeholders are formatted in; every value is bound
    )
    by_name: dict[tuple[int, int], NameHit] = {}
    for row in session.execute(statement, params):
        i, shared, name_id, kind, name, name_key, lat, lon, housenumber = row[:9]
        hit = by_name.get((i, name_id))
        if hit is None:
            hit = NameHit(name_id, kind, name, name_key, lat, lon, shared)
            by_name[i, name_id] = hit
            hits[i].append(hit)
        if housenumber is not None:
            hit.points.append(PointRow(housenumber, *row[9:]))
    return hits


def nearest_points(
    session: Session, lat: float, lon: float, *, half_side_deg: float
) -> list[tuple[PointRow, str]]:
    """The address points in a square around (lat, lon), with their street's name."""
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
