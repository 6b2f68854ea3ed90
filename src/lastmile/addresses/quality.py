"""How far an address can be trusted to find the door: a score 0..100 and the reasons.

Pure: the geocoder's candidates for the text (and the coordinates given with it, if any)
in, a `Quality` out. The caller decides what to do with it (shipments fill in a confident
point and store the record).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from lastmile.addresses.types import Candidate, Precision
from lastmile.geo import haversine_m

CONFIDENT: Final = 0.8
"""A candidate at least this sure, at address precision, gives the shipment its point."""
STREET_FOUND: Final = 0.45
"""Below this the best candidate is a guess: the street is taken as not found."""
AMBIGUOUS_WITHIN: Final = 0.05
"""A second candidate this close in score to the best, far from it, makes the text ambiguous."""
AMBIGUOUS_APART_M: Final = 200.0
FAR_FROM_ADDRESS_M: Final = 150.0
"""Given coordinates further than this from the door the text names are suspect."""
FAR_FROM_STREET_M: Final = 1_500.0
"""The same for a text that names only a street (its point may be anywhere along it)."""


class ReasonCode(StrEnum):
    NO_HOUSE_NUMBER = "no_house_number"
    STREET_NOT_FOUND = "street_not_found"
    HOUSE_NUMBER_NOT_FOUND = "house_number_not_found"
    AMBIGUOUS = "ambiguous"
    LOW_CONFIDENCE = "low_confidence"
    FAR_FROM_TEXT = "far_from_text"
    LEARNED_POINT = "learned_point"
    """Not a fault: the point is where earlier deliveries to this address were made."""
    PIN_MOVED = "pin_moved"
    """Not a fault: a person put the pin where the door is (a dispatcher, the customer, the
    driver at the door)."""
    CUSTOMER_CONFIRMED = "customer_confirmed"
    """Not a fault: the customer said the pin is their door."""


INFORMATIONAL: Final = frozenset(
    {ReasonCode.LEARNED_POINT, ReasonCode.PIN_MOVED, ReasonCode.CUSTOMER_CONFIRMED}
)
"""Reasons that say where the point came from, not what is wrong: no cap, no attention."""


_CAPS: Final = {
    ReasonCode.STREET_NOT_FOUND: 20,
    ReasonCode.FAR_FROM_TEXT: 40,
    ReasonCode.NO_HOUSE_NUMBER: 50,
    ReasonCode.HOUSE_NUMBER_NOT_FOUND: 50,
    ReasonCode.AMBIGUOUS: 60,
    ReasonCode.LOW_CONFIDENCE: 79,
}
"""The highest score an address can keep with each reason."""


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class Quality:
    """A score 0..100 and why it is not 100; `point` is where the text puts the door, when
    the geocoder is confident of it (and nothing casts doubt on it)."""

    score: int
    reasons: tuple[Reason, ...]
    point: tuple[float, float] | None = None

    @property
    def needs_attention(self) -> bool:
        return any(r.code not in INFORMATIONAL for r in self.reasons)


def assess(
    text: str, candidates: list[Candidate], given: tuple[float, float] | None = None
) -> Quality:
    """Judge one address from what the geocoder found for its text.

    >>> from lastmile.addresses.types import Matched
    >>> door = Candidate(43.73, 7.42, 1.0, Precision.ADDRESS, "Quai Antoine 1er 6",
    ...                  Matched(street="Quai Antoine 1er", housenumber="6"), True)
    >>> assess("6 quai antoine 1er", [door])
    Quality(score=100, reasons=(), point=(43.73, 7.42))
    >>> far = assess("6 quai antoine 1er", [door], given=(43.75, 7.42))
    >>> far.score, [r.code.value for r in far.reasons]
    (40, ['far_from_text'])
    """
    best = candidates[0] if candidates else None
    if best is None or best.score < STREET_FOUND or best.precision is Precision.PLACE:
        reason = Reason(
            ReasonCode.STREET_NOT_FOUND,
            f"No street on the map matches {_quoted(text)}.",
        )
        score = round(100 * best.score) if best else 0
        return Quality(min(score, _CAPS[reason.code]), (reason,))
    reasons: list[Reason] = []
    street = best.matched.street or best.label
    if best.precision is Precision.STREET:
        if best.house_number_given:
            reasons.append(
                Reason(
                    ReasonCode.HOUSE_NUMBER_NOT_FOUND,
                    f"{street} was found, but not the house number in {_quoted(text)}.",
                )
            )
        else:
            reasons.append(
                Reason(
                    ReasonCode.NO_HOUSE_NUMBER,
                    f"The text {_quoted(text)} names {street} but no house number.",
                )
            )
    rival = _rival(best, candidates[1:])
    if rival is not None:
        reasons.append(
            Reason(
                ReasonCode.AMBIGUOUS,
                f"The text reads as {best.label} or as {rival.label}, "
                f"{_km(haversine_m(best.lat, best.lon, rival.lat, rival.lon))} apart.",
            )
        )
    if best.precision is Precision.ADDRESS and best.score < CONFIDENT:
        reasons.append(
            Reason(
                ReasonCode.LOW_CONFIDENCE,
                f"The best match, {best.label}, is a loose one ({round(100 * best.score)} of 100).",
            )
        )
    if given is not None:
        apart_m = haversine_m(given[0], given[1], best.lat, best.lon)
        limit_m = FAR_FROM_ADDRESS_M if best.precision is Precision.ADDRESS else FAR_FROM_STREET_M
        if apart_m > limit_m:
            reasons.append(
                Reason(
                    ReasonCode.FAR_FROM_TEXT,
                    f"The coordinates given are {_km(apart_m)} from {best.label}, "
                    f"where the text puts the address (more than {_km(limit_m)}).",
                )
            )
    score = round(100 * best.score)
    for reason in reasons:
        score = min(score, _CAPS[reason.code])
    confident = best.precision is Precision.ADDRESS and best.score >= CONFIDENT and rival is None
    return Quality(score, tuple(reasons), (best.lat, best.lon) if confident else None)


def with_learned_point(
    quality: Quality, lat: float, lon: float, count: int, confirmed: int = 0
) -> Quality:
    """The quality of an address whose point is learned from `count` earlier deliveries,
    `confirmed` of them by the driver's track dwelling at the door: the same score and faults
    of its text, the learned point, and a reason saying so.

    >>> learned = with_learned_point(Quality(100, ()), 60.19, 24.95, 3)
    >>> learned.score, learned.point, learned.needs_attention
    (100, (60.19, 24.95), False)
    >>> learned.reasons[0].message
    'The point is where 3 earlier deliveries to this address were made.'
    >>> print(with_learned_point(Quality(100, ()), 60.19, 24.95, 1, 1).reasons[0].message)
    The point is where 1 earlier delivery to this address was made, confirmed by the driver's
    track at the door.
    """
    made = (
        "1 earlier delivery to this address was made"
        if count == 1
        else f"{count} earlier deliveries to this address were made"
    )
    if confirmed:
        which = "" if confirmed == count else f"{confirmed} "
        made += f", {which}confirmed by the driver's track at the door"
    reason = Reason(ReasonCode.LEARNED_POINT, f"The point is where {made}.")
    return Quality(quality.score, (*quality.reasons, reason), (lat, lon))


def with_pin(
    quality: Quality, lat: float, lon: float, *, by: str, text_point: tuple[float, float] | None
) -> Quality:
    """The quality of an address whose pin a person placed: that person knows the door, so
    the point is theirs and nothing about the text is held against it (a pin far from where
    the text geocodes is the correction, not a fault). `text_point`: where the text puts the
    door, said in the reason when known.

    >>> moved = with_pin(Quality(40, ()), 60.19, 24.95, by="dana@example.com",
    ...                  text_point=(60.1951, 24.9525))
    >>> moved.score, moved.point, moved.needs_attention
    (100, (60.19, 24.95), False)
    >>> moved.reasons[0].message
    'The pin was moved by dana@example.com, 584 m from where the text puts the door.'
    """
    where = ""
    if text_point is not None:
        where = f", {_km(haversine_m(lat, lon, *text_point))} from where the text puts the door"
    reason = Reason(ReasonCode.PIN_MOVED, f"The pin was moved by {by}{where}.")
    return Quality(100, (reason,), (lat, lon))


def customer_confirmed(lat: float, lon: float) -> Quality:
    """The quality of an address whose pin the customer confirmed as their door.

    >>> customer_confirmed(60.19, 24.95).reasons[0].message
    'The customer confirmed the pin is their door.'
    """
    reason = Reason(ReasonCode.CUSTOMER_CONFIRMED, "The customer confirmed the pin is their door.")
    return Quality(100, (reason,), (lat, lon))


def _rival(best: Candidate, others: list[Candidate]) -> Candidate | None:
    for other in others:
        if best.score - other.score > AMBIGUOUS_WITHIN:
            return None
        if haversine_m(best.lat, best.lon, other.lat, other.lon) > AMBIGUOUS_APART_M:
            return other
    return None


def _quoted(text: str) -> str:
    short = " ".join(text.split())
    return f"“{short[:80]}…”" if len(short) > 80 else f"“{short}”"


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres)} m"
