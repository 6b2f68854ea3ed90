"""What a geocoding service (Nominatim, Photon) answers, judged by our own rule.

Pure. A service's decoder (`nominatim.py`, `photon.py`) turns its payload into `Found`
places; `judge` scores them against the text's words the way the embedded index scores its
own (`scoring`), so that address quality means the same whichever geocoder answered: a
service's order and `importance` say how famous a place is, not how well it fits the text.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from lastmile.addresses.normalise import (
    HouseNumber,
    house_numbers,
    key,
    parse_house_number,
    words,
)
from lastmile.addresses.scoring import (
    NUMBER_EXACT,
    NUMBER_LETTER_DIFFERS,
    PLACE_ONLY,
    STREET_ONLY_NO_NUMBER,
    STREET_ONLY_NUMBER_MISSING,
    name_score,
)
from lastmile.addresses.types import Candidate, Matched, Near, Precision

CANDIDATES: Final = 5
"""Asked of a service per text (`limit`)."""


class BadPayload(ValueError):
    """The service answered something that is not its documented format."""


@dataclass(frozen=True, slots=True)
class Found:
    """One place as a service describes it, before we score it against the text."""

    lat: float
    lon: float
    precision: Precision
    label: str
    matched: Matched
    country_code: str | None = None
    """ISO 3166-1 alpha-2, lower case."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """How to ask one kind of service and read its answers."""

    name: str
    search_path: str
    reverse_path: str
    search_params: Callable[[str, Near | None, str | None], dict[str, str]]
    reverse_params: Callable[[float, float], dict[str, str]]
    decode_search: Callable[[object], list[Found]]
    """Raises `BadPayload` on anything but the documented shape."""
    decode_reverse: Callable[[object], Found | None]


def judge(text: str, found: Sequence[Found], country: str | None = None) -> list[Candidate]:
    """The service's places as candidates, best first, scored against the text's words.

    >>> door = Found(60.19, 24.95, Precision.ADDRESS, "Mäkelänkatu 12",
    ...              Matched(street="Mäkelänkatu", housenumber="12"), "fi")
    >>> [(c.score, c.precision.value) for c in judge("Makelankatu 12, Helsinki", [door])]
    [(1.0, 'address')]
    >>> [c.precision.value for c in judge("Makelankatu 40", [door])]
    ['street']
    """
    query = tuple(words(text))
    wanted = house_numbers(list(query))
    candidates = [
        _candidate(query, wanted, place)
        for place in found
        if country is None or place.country_code in (None, country.lower())
    ]
    candidates.sort(key=lambda c: -c.score)  # stable: the service's order breaks ties
    return _one_per_street(candidates)[:CANDIDATES]


def _one_per_street(candidates: list[Candidate]) -> list[Candidate]:
    """A street read at street precision once, as the index answers it: a service's house
    and the street itself, for a text without the number, are one reading, not two."""
    seen: set[str] = set()
    kept: list[Candidate] = []
    for candidate in candidates:
        if candidate.precision is not Precision.ADDRESS:
            name = key(candidate.matched.street or candidate.label)
            if name in seen:
                continue
            seen.add(name)
        kept.append(candidate)
    return kept


def _candidate(query: tuple[str, ...], wanted: list[HouseNumber], place: Found) -> Candidate:
    street = place.matched.street
    precision = place.precision
    if precision is Precision.PLACE or street is None:
        named = place.matched.place or place.matched.city or place.label
        return _scored(place, PLACE_ONLY * name_score(key(named), query), Precision.PLACE, wanted)
    score = name_score(key(street), query)
    if precision is Precision.ADDRESS:
        factor = _number_factor(wanted, place.matched.housenumber)
        if factor:
            return _scored(place, score * factor, Precision.ADDRESS, wanted)
        precision = Precision.STREET  # the service's door is not the number asked for
    factor = STREET_ONLY_NUMBER_MISSING if wanted else STREET_ONLY_NO_NUMBER
    return _scored(place, score * factor, precision, wanted)


def _number_factor(wanted: list[HouseNumber], housenumber: str | None) -> float:
    """How exactly the service's house number answers the first one the text holds (0: it
    does not, or the text holds none and the service picked a door on its own)."""
    got = parse_house_number(housenumber) if housenumber else None
    if got is None or not wanted:
        return 0.0
    first = wanted[0]
    if got.number != first.number:
        return 0.0
    return NUMBER_EXACT if got.letter == first.letter else NUMBER_LETTER_DIFFERS


def _scored(
    place: Found, score: float, precision: Precision, wanted: list[HouseNumber]
) -> Candidate:
    matched = place.matched
    if precision is not Precision.ADDRESS:
        matched = Matched(street=matched.street, postcode=matched.postcode, city=matched.city)
    return Candidate(
        lat=place.lat,
        lon=place.lon,
        score=round(min(1.0, score), 4),
        precision=precision,
        label=place.label if precision is Precision.ADDRESS else (matched.street or place.label),
        matched=matched,
        house_number_given=bool(wanted),
    )
