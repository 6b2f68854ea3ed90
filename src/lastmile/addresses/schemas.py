"""API shapes for geocoding."""

from pydantic import BaseModel, Field

from lastmile.addresses.types import Candidate, Precision


class MatchedOut(BaseModel):
    street: str | None
    housenumber: str | None
    postcode: str | None
    city: str | None
    place: str | None


class CandidateOut(BaseModel):
    lat: float
    lon: float
    score: float = Field(ge=0, le=1, description="How sure the geocoder is, 0..1")
    precision: Precision
    label: str
    matched: MatchedOut

    @classmethod
    def of(cls, candidate: Candidate) -> "CandidateOut":
        m = candidate.matched
        return cls(
            lat=candidate.lat,
            lon=candidate.lon,
            score=candidate.score,
            precision=candidate.precision,
            label=candidate.label,
            matched=MatchedOut(
                street=m.street,
                housenumber=m.housenumber,
                postcode=m.postcode,
                city=m.city,
                place=m.place,
            ),
        )


class GeocodeOut(BaseModel):
    query: str
    candidates: list[CandidateOut] = Field(description="Best first; empty when nothing is close")
    maps: list[str] = Field(
        description="The address indexes searched (empty when a geocoding service answered)"
    )
    note: str | None = Field(
        default=None,
        description="Why there are no candidates when the geocoder could not be asked: no "
        "index has been built (and how to build one), or the geocoding service did not answer",
    )
