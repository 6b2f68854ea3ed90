"""HTTP routes for geocoding: address text to places, and a point to its nearest address."""

from typing import Annotated

from fastapi import APIRouter, Query

from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.schemas import CandidateOut, GeocodeOut
from lastmile.addresses.types import Near
from lastmile.api.deps import SessionDep
from lastmile.api.fields import Latitude, Longitude
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1/geocode", tags=["addresses"], responses=COMMON_PROBLEMS)


_BUILD_ONE = (
    "no address index has been built: run `lastmile map default`, "
    "`lastmile map import FILE.osm.pbf` or `lastmile addresses index FILE.osm.pbf`"
)


@router.get("")
def geocode(
    session: SessionDep,
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
    geocoder = IndexGeocoder(session)
    candidates = geocoder.geocode(q, near=near)
    maps = geocoder.map_names()
    return GeocodeOut(
        query=q,
        candidates=[CandidateOut.of(c) for c in candidates],
        maps=maps,
        note=None if maps else _BUILD_ONE,
    )


@router.get("/reverse")
def reverse(
    session: SessionDep, principal: StaffDep, lat: Latitude, lon: Longitude
) -> CandidateOut:
    """The nearest address to a point (within 1 km)."""
    geocoder = IndexGeocoder(session)
    found = geocoder.reverse(lat, lon)
    if found is None:
        why = "" if geocoder.map_names() else f" ({_BUILD_ONE})"
        raise NotFound(f"no address within 1 km of ({lat}, {lon}){why}")
    return CandidateOut.of(found)
