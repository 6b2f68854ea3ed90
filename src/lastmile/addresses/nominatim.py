"""Nominatim's `format=jsonv2` with `addressdetails=1`: the request's parameters and the
answer read into `Found` places. Pure; the HTTP edge is `remote.py`.

Search answers a JSON list of places; reverse answers one place, or `{"error": ...}` when
nothing is near (https://nominatim.org/release-docs/latest/api/Output/).
"""

from typing import Any, Final

from lastmile.addresses.foreign import BadPayload, Dialect, Found
from lastmile.addresses.types import Matched, Near, Precision

VIEWBOX_HALF_DEG: Final = 0.5
"""A `near` point becomes a preferred (not bounding) box this far each way."""
_STREET_KEYS: Final = ("road", "pedestrian", "footway", "path", "cycleway", "square")
_CITY_KEYS: Final = ("city", "town", "village", "municipality", "hamlet")
_PLACE_KEYS: Final = ("suburb", "neighbourhood", "quarter", "city_district", "borough")
_STREET_RANK: Final = 26
"""`place_rank` of a street; 30 is a house or a point of interest."""


def search_params(text: str, near: Near | None, country: str | None) -> dict[str, str]:
    params = {"q": text, "format": "jsonv2", "addressdetails": "1", "limit": "5"}
    if country:
        params["countrycodes"] = country.lower()
    if near is not None:
        half = VIEWBOX_HALF_DEG
        box = (near.lon - half, near.lat + half, near.lon + half, near.lat - half)
        params["viewbox"] = ",".join(f"{v:.5f}" for v in box)
    return params


def reverse_params(lat: float, lon: float) -> dict[str, str]:
    return {
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "format": "jsonv2",
        "addressdetails": "1",
        "zoom": "18",
    }


def decode_search(payload: object) -> list[Found]:
    if not isinstance(payload, list):
        raise BadPayload(f"a Nominatim search answers a list, not {type(payload).__name__}")
    return [_place(item) for item in payload]


def decode_reverse(payload: object) -> Found | None:
    if isinstance(payload, dict) and "error" in payload:
        return None
    return _place(payload)


def _place(item: object) -> Found:
    if not isinstance(item, dict):
        raise BadPayload(f"a Nominatim place is an object, not {type(item).__name__}")
    try:
        lat, lon = float(item["lat"]), float(item["lon"])
    except (KeyError, TypeError, ValueError) as error:
        raise BadPayload(f"a Nominatim place without a readable lat/lon: {error}") from None
    address: dict[str, Any] = item.get("address") or {}
    number = address.get("house_number")
    street = _first(address, _STREET_KEYS)
    rank = item.get("place_rank") or 0
    if number and street:
        precision = Precision.ADDRESS
    elif street and (item.get("category") == "highway" or rank >= _STREET_RANK):
        precision = Precision.STREET
    else:
        precision = Precision.PLACE
    city = _first(address, _CITY_KEYS)
    label = f"{street} {number}" if precision is Precision.ADDRESS else None
    code = address.get("country_code")
    return Found(
        lat=lat,
        lon=lon,
        precision=precision,
        label=label or str(item.get("name") or item.get("display_name") or ""),
        matched=Matched(
            street=street,
            housenumber=number if precision is Precision.ADDRESS else None,
            postcode=address.get("postcode"),
            city=city,
            place=_first(address, _PLACE_KEYS),
        ),
        country_code=code.lower() if isinstance(code, str) else None,
    )


def _first(address: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for name in keys:
        value = address.get(name)
        if isinstance(value, str) and value:
            return value
    return None


DIALECT: Final = Dialect(
    name="nominatim",
    search_path="/search",
    reverse_path="/reverse",
    search_params=search_params,
    reverse_params=reverse_params,
    decode_search=decode_search,
    decode_reverse=decode_reverse,
)
