"""The embedded geocoder: the address index in our own database, offline.

Imported with the map (`lastmile map import`, `map default`) or on its own
(`lastmile addresses index`); nothing is built per process. `country` is accepted for the
interface's sake and ignored: an index covers the area of the extracts imported.
"""

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.addresses import scoring, search
from lastmile.addresses.models import AddressMap
from lastmile.addresses.normalise import grams, words
from lastmile.addresses.types import Candidate, Matched, Near, NoAnswer, Precision
from lastmile.geo import haversine_m

NO_INDEX: Final = (
    "no address index has been built: run `lastmile map default`, "
    "`lastmile map import FILE.osm.pbf` or `lastmile addresses index FILE.osm.pbf`"
)
REVERSE_RADII_M: Final = (150.0, 1_000.0)
"""Reverse geocoding looks this far, the nearer first."""
_M_PER_DEG: Final = 111_195.0


class IndexGeocoder:
    """`Geocoder` on the `address_*` tables, through the caller's session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._indexed = False
        """An index once seen stays (a rebuild replaces it in one transaction): one round
        trip fewer for every text after the first."""

    def has_index(self) -> bool:
        """Whether any extract has been indexed (without one, every text finds nothing)."""
        return self._session.scalar(select(AddressMap.id).limit(1)) is not None

    def map_names(self) -> list[str]:
        """The indexed extracts, by name."""
        return list(self._session.scalars(select(AddressMap.name).order_by(AddressMap.name)))

    def geocode(
        self, text: str, near: Near | None = None, country: str | None = None
    ) -> list[Candidate]:
        return self.geocode_many([text], near=near, country=country)[0]

    def geocode_many(
        self, texts: Sequence[str], near: Near | None = None, country: str | None = None
    ) -> list[list[Candidate]]:
        """Candidates for each text; `NoAnswer` for all of them when no index exists."""
        self._indexed = self._indexed or self.has_index()
        if not self._indexed:
            return [NoAnswer(NO_INDEX) for _ in texts]
        queries = [scoring.Query.of(words(t)) for t in texts]
        names = search.find_names(
            self._session,
            [
                frozenset(grams(" ".join(w for w in q.words if not _is_house_number(w))))
                for q in queries
            ],
        )
        shortlists = [scoring.shortlist(q, h) for q, h in zip(queries, names, strict=True)]
        wanted = {
            (hit.name_id, number.number)
            for query, shortlist in zip(queries, shortlists, strict=True)
            for _, hit in shortlist
            if hit.kind != "postcode"
            for number in scoring.wanted_numbers(query, hit.key)
        }
        points = search.find_points(self._session, wanted) if wanted else {}
        return [
            scoring.rank(q, shortlist, points, near)
            for q, shortlist in zip(queries, shortlists, strict=True)
        ]

    def reverse(self, lat: float, lon: float) -> Candidate | None:
        for radius_m in REVERSE_RADII_M:
            found = search.nearest_points(
                self._session, lat, lon, half_side_deg=radius_m / _M_PER_DEG
            )
            if not found:
                continue
            point, street = min(
                found, key=lambda item: haversine_m(lat, lon, item[0].lat, item[0].lon)
            )
            distance_m = haversine_m(lat, lon, point.lat, point.lon)
            if distance_m > radius_m:
                continue
            return Candidate(
                lat=point.lat,
                lon=point.lon,
                score=round(max(0.0, 1 - distance_m / REVERSE_RADII_M[-1]), 4),
                precision=Precision.ADDRESS,
                label=f"{street} {point.housenumber}",
                matched=Matched(
                    street=street,
                    housenumber=point.housenumber,
                    postcode=point.postcode,
                    city=point.city,
                ),
                house_number_given=True,
            )
        return None


def _is_house_number(word: str) -> bool:
    """Short digit words are left out of the trigrams: `12` is no part of a street's name
    (the names holding numbers, `Avenue du 3 Septembre`, still match on their letters)."""
    return (word[:1].isdigit() and len(word) <= 3) or "-" in word
