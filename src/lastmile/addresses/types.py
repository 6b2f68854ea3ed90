"""The shapes a geocoder answers with, and the one interface every geocoder offers."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Precision(StrEnum):
    """How close to the door a candidate's point is."""

    ADDRESS = "address"
    """The house number was found: the point is the entrance node or the building."""
    STREET = "street"
    """Only the street: a point on it, maybe far from the door."""
    PLACE = "place"
    """A district, village or postcode area."""


@dataclass(frozen=True, slots=True)
class Matched:
    """The parts of the text that were recognised, as the map writes them."""

    street: str | None = None
    housenumber: str | None = None
    postcode: str | None = None
    city: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible reading of an address text, with how sure the geocoder is (0..1)."""

    lat: float
    lon: float
    score: float
    precision: Precision
    label: str
    matched: Matched = field(default_factory=Matched)
    house_number_given: bool = False
    """The text held something that reads as a house number."""


class NoAnswer(list[Candidate]):
    """No candidates because the geocoder could not be asked (no index built, a timeout, a
    429 from a geocoding service), not because nothing matched: empty, and says why.

    Any caller may read it as the plain empty list it is; address quality tells the two
    apart and leaves an unanswered address unjudged rather than calling it not found.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Near:
    """A point to prefer candidates around (the hub, the map's centre)."""

    lat: float
    lon: float


class Geocoder(Protocol):
    """Address text to places and back; the embedded index and any HTTP service alike."""

    def geocode(
        self, text: str, near: Near | None = None, country: str | None = None
    ) -> list[Candidate]:
        """Candidates for the text, best first (empty when nothing is close)."""
        ...

    def geocode_many(
        self, texts: Sequence[str], near: Near | None = None, country: str | None = None
    ) -> list[list[Candidate]]:
        """`geocode` for each text, in as few round trips as the geocoder can."""
        ...

    def reverse(self, lat: float, lon: float) -> Candidate | None:
        """The nearest address to the point, or None when none is near."""
        ...
