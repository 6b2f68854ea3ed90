"""HTTP routes for geocoding: address text to places, and a point to its nearest address."""

from typing import Annotated

from fastapi import APIRouter, Query

from lastmile.addresses.deps import GeocoderDep
from lastmile.addresses.geocoder import NO_INDEX, IndexGeocoder
from lastmile.addresses.schemas import CandidateOut, GeocodeOut
from lastmile.addresses.types import Near, NoAnswer
from lastmile.api.fields import Latitude, Longitude
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1/geocode", tags=["addresses"], responses=COMMON_PROBLEMS)


@router.get("")
def geocode(
    geocoder: GeocoderDep,
    principal: StaffDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Address text")],
    near_lat: Latitude | None = None,
    near_lon: Longitude | None = None,
) -> GeocodeOut:
    """Candidates for an address text, best first, each with a score 0..1."""
    if (near_lat is None) != (near_lon is None):
        missing = "near_lon" if near_lon is None else "near_lat"
        raise InvalidInput(missing, "give both near_lat and near_lon, or neither")
    if not q.strip():
        raise InvalidInput("q", "is blank: give an address text")
    near = Near(near_lat, near_lon) if near_lat is not None and near_lon is not None else None
    candidates = geocoder.geocode(q, near=near)
    return GeocodeOut(
        query=q,
        candidates=[CandidateOut.of(c) for c in candidates],
        maps=geocoder.map_names() if isinstance(geocoder, IndexGeocoder) else [],
        note=candidates.reason if isinstance(candidates, NoAnswer) else None,
    )


@router.get("/reverse")
def reverse(
    geocoder: GeocoderDep, principal: StaffDep, lat: Latitude, lon: Longitude
) -> CandidateOut:
    """The nearest address to a point (within 1 km)."""
    found = geocoder.reverse(lat, lon)
    if found is None:
        indexed = not isinstance(geocoder, IndexGeocoder) or geocoder.has_index()
        why = "" if indexed else f" ({NO_INDEX})"
        raise NotFound(f"no address within 1 km of ({lat}, {lon}){why}")
    return CandidateOut.of(found)
