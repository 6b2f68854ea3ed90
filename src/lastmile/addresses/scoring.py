"""Ranking the names and points the index found against the words of the text (RapidFuzz).

Pure: the words of a text and what the index answered in, scored candidates out.
"""

import math
from dataclasses import dataclass, replace
from typing import Final

from rapidfuzz import fuzz

from lastmile.addresses.normalise import STREET_TYPES, HouseNumber, house_numbers, is_postcode
from lastmile.addresses.search import NameHit, PointRow
from lastmile.addresses.types import Candidate, Matched, Near, Precision
from lastmile.geo import haversine_m

WORD_FLOOR: Final = 0.6
"""A name's word matched less closely than this counts as missing."""
NUMBER_EXACT: Final = 1.0
NUMBER_IN_RANGE: Final = 0.97
NUMBER_LETTER_DIFFERS: Final = 0.92
"""`12` asked, `12 B` found (or the other way round): the same building, most often."""
STREET_ONLY_NUMBER_MISSING: Final = 0.7
"""A house number was asked and the street has no such number: the street's point."""
STREET_ONLY_NO_NUMBER: Final = 0.75
PLACE_ONLY: Final = 0.6
NAMED_BETTER_BY: Final = 0.1
ANOTHER_STREETS_DOOR: Final = 0.9
"""A door on a street the text names less well (by `NAMED_BETTER_BY`) than another street
that lacks the number: `Skillnadsgatan 2` is not `Nylandsgatan 2`, however alike the words
(`-gatan`, `-katu` glued to the name make many streets look alike), so it is not trusted."""
KIND_FACTOR: Final = {"street": 1.0, "place": PLACE_ONLY, "postcode": 0.5}
CLUSTER_M: Final = 30.0
"""Points of one address this close count as one place (a building's width)."""
_M_PER_DEG: Final = 111_195.0
CANDIDATES: Final = 5
MIN_SCORE: Final = 0.2
"""Candidates scoring less are noise, not answers."""


@dataclass(frozen=True, slots=True)
class Query:
    """The words of one text, split into what the index is searched by."""

    words: tuple[str, ...]
    numbers: tuple[HouseNumber, ...]
    postcodes: tuple[str, ...]

    @classmethod
    def of(cls, parts: list[str]) -> "Query":
        return cls(
            words=tuple(parts),
            numbers=tuple(house_numbers(parts)),
            postcodes=tuple(w for w in parts if is_postcode(w)),
        )


def name_score(name_key: str, query_words: tuple[str, ...]) -> float:
    """How well the text's words cover a name's words, 0..1, in any order and with typos.

    A street-type word (`rue`, `katu`) counts half; numbers in a name must match exactly.

    >>> name_score("boulevard moulins", ("moulins", "12", "boulevard", "monaco"))
    1.0
    >>> round(name_score("boulevard moulins", ("12", "boulevard", "mouilns", "monaco")), 2)
    0.9
    >>> round(name_score("boulevard moulins", ("12", "mouilns")), 2)
    0.57
    """
    name_words = name_key.split()
    if not name_words:
        return 0.0
    total = earned = 0.0
    for word in name_words:
        weight = 0.5 if word in STREET_TYPES else 1.0
        total += weight
        if word.isdigit() or len(word) <= 2:
            best = 1.0 if word in query_words else 0.0
        else:
            best = max((fuzz.ratio(word, q) / 100 for q in query_words), default=0.0)
        earned += weight * (best if best >= WORD_FLOOR else 0.0)
    covered = earned / total
    # Words split or joined differently (`Mannerheimin tie`): compare the letters alone, the
    # name's within the text's, as long as the text has letters enough to hold the name.
    joined = name_key.replace(" ", "")
    letters = "".join(w for w in query_words if not w[0].isdigit())
    if len(joined) >= 8 and len(letters) >= len(joined):
        covered = max(covered, 0.95 * fuzz.partial_ratio(joined, letters) / 100)
    return covered


def shortlist(query: Query, hits: list[NameHit]) -> list[tuple[float, NameHit]]:
    """The names worth a candidate, with their words' score weighed by their kind.

    A house number or `near` only ever lowers a name's score, so the names scoring best on
    their words alone are the only ones whose points need fetching.
    """
    scored = [(name_score(h.key, query.words) * KIND_FACTOR.get(h.kind, 0.5), h) for h in hits]
    scored.sort(key=lambda item: -item[0])
    return scored[: CANDIDATES * 2]


def wanted_numbers(query: Query, name_key: str) -> list[HouseNumber]:
    """The house numbers to look for on one name (its own numbers taken out)."""
    return _house_numbers_beside(name_key, query.words) if query.numbers else []


def rank(
    query: Query,
    names: list[tuple[float, NameHit]],
    points: dict[int, list[PointRow]],
    near: Near | None = None,
) -> list[Candidate]:
    """Candidates for one text, best first, at most `CANDIDATES`."""
    best_street = max((score for score, hit in names if hit.kind == "street"), default=0.0)
    candidates = []
    for score, hit in names:
        candidate = _candidate(query, hit, score, points.get(hit.name_id, []), near)
        if candidate.precision is Precision.ADDRESS and score < best_street - NAMED_BETTER_BY:
            candidate = replace(candidate, score=round(candidate.score * ANOTHER_STREETS_DOOR, 4))
        candidates.append(candidate)
    candidates.sort(key=lambda c: -c.score)
    return [c for c in candidates if c.score >= MIN_SCORE][:CANDIDATES]


def _candidate(
    query: Query, hit: NameHit, score: float, points: list[PointRow], near: Near | None
) -> Candidate:
    """`score`: how well the name's words match, already weighed by the name's kind."""
    numbers = wanted_numbers(query, hit.key)
    matched_street = hit.name if hit.kind == "street" else None
    place = hit.name if hit.kind == "place" else None
    postcode = hit.name if hit.kind == "postcode" else None
    point, factor = _best_point(numbers, points) if numbers else (None, 0.0)
    if point is not None:
        precision, lat, lon = Precision.ADDRESS, point.lat, point.lon
        score *= factor
        if point.city and point.city.lower() in query.words:
            score = min(1.0, score + 0.02)
        matched = Matched(
            street=matched_street,
            housenumber=point.housenumber,
            postcode=point.postcode if point.postcode in query.postcodes else None,
            city=point.city if point.city and point.city.lower() in query.words else None,
            place=place,
        )
        label = f"{hit.name} {point.housenumber}"
    else:
        precision = Precision.STREET if hit.kind == "street" else Precision.PLACE
        lat, lon = hit.lat, hit.lon
        if hit.kind == "street":
            score *= STREET_ONLY_NUMBER_MISSING if numbers else STREET_ONLY_NO_NUMBER
        matched = Matched(street=matched_street, place=place, postcode=postcode)
        label = hit.name
    if near is not None:
        # A tie-breaker, not a fence: 1 % less per 10 km, at most 10 %.
        distance_km = haversine_m(near.lat, near.lon, lat, lon) / 1000
        score *= 1 - min(0.1, distance_km / 1000)
    return Candidate(
        lat=lat,
        lon=lon,
        score=round(score, 4),
        precision=precision,
        label=label,
        matched=matched,
        house_number_given=bool(numbers),
    )


def _house_numbers_beside(name_key: str, query_words: tuple[str, ...]) -> list[HouseNumber]:
    """The text's house numbers once the name's own numbers (`3 Septembre`, `Antoine 1er`)
    are taken out, one occurrence each.

    >>> text = ("quai", "antoine", "1er", "6")
    >>> [n.number for n in _house_numbers_beside("quai antoine 1er", text)]
    [6]
    """
    left = list(query_words)
    for word in name_key.split():
        if word[:1].isdigit() and word in left:
            left.remove(word)
    return house_numbers(left)


def _best_point(
    numbers: list[HouseNumber], points: list[PointRow]
) -> tuple[PointRow | None, float]:
    """The point answering the first house number that has one, and how exactly.

    An address mapped more than once (an entrance node, the building, a shop inside) is
    answered where most of its points are (`_middle`)."""
    for wanted in numbers:
        factors = [(point, _number_match(wanted, point)) for point in points]
        factor = max((f for _, f in factors), default=0.0)
        if factor > 0:
            return _middle([p for p, f in factors if f == factor]), factor
    return None, 0.0


def _middle(points: list[PointRow]) -> PointRow:
    """The point with the most others within `CLUSTER_M` (the first of equals): where most
    of an address's points are, not a far-off loading bay or a shop mapped on the corner.

    >>> a, b, c = (PointRow("1", 1, None, "", None, None, 60.0, x) for x in (24.0, 24.0003, 24.003))
    >>> _middle([c, a, b]) is a
    True
    """
    if len(points) <= 2:
        return points[0]
    cos_lat = math.cos(math.radians(points[0].lat))
    within = (CLUSTER_M / _M_PER_DEG) ** 2

    def neighbours(p: PointRow) -> int:
        return sum(
            (p.lat - o.lat) ** 2 + ((p.lon - o.lon) * cos_lat) ** 2 <= within for o in points
        )

    return max(points, key=neighbours)


def _number_match(wanted: HouseNumber, point: PointRow) -> float:
    if point.number == wanted.number:
        return NUMBER_EXACT if point.letter == wanted.letter else NUMBER_LETTER_DIFFERS
    if point.number_to is not None and point.number <= wanted.number <= point.number_to:
        return NUMBER_IN_RANGE
    return 0.0
