"""Photon's GeoJSON (`/api` and `/reverse`): the request's parameters and the answer read
into `Found` places. Pure; the HTTP edge is `remote.py`.

Both answer a FeatureCollection of Point features whose `properties` carry OSM's address
parts (`housenumber`, `street`, `postcode`, `city`, `countrycode`) and the place's `type`
(https://github.com/komoot/photon#search-api). Photon takes no country filter: `judge`
drops places of another country by their `countrycode`.
"""

from typing import Any, Final

from lastmile.addresses.foreign import BadPayload, Dialect, Found
from lastmile.addresses.types import Matched, Near, Precision

_PLACE_KEYS: Final = ("district", "locality", "county")


def search_params(text: str, near: Near | None, country: str | None) -> dict[str, str]:
    params = {"q": text, "limit": "5"}
    if near is not None:
        params["lat"], params["lon"] = f"{near.lat:.5f}", f"{near.lon:.5f}"
    return params


def reverse_params(lat: float, lon: float) -> dict[str, str]:
    return {"lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "limit": "1"}


def decode_search(payload: object) -> list[Found]:
    if not isinstance(payload, dict) or not isinstance(payload.get("features"), list):
        raise BadPayload("a Photon answer is a GeoJSON FeatureCollection with `features`")
    return [_place(feature) for feature in payload["features"]]


def decode_reverse(payload: object) -> Found | None:
    found = decode_search(payload)
    return found[0] if found else None


def _place(feature: object) -> Found:
    if not isinstance(feature, dict):
        raise BadPayload(f"a Photon feature is an object, not {type(feature).__name__}")
    try:
        lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
    except (KeyError, TypeError, ValueError) as error:
        raise BadPayload(f"a Photon feature without readable coordinates: {error}") from None
    props: dict[str, Any] = feature.get("properties") or {}
    kind = props.get("type") or props.get("osm_value")
    number = props.get("housenumber")
    street = props.get("street")
    if street is None and (kind == "street" or props.get("osm_key") == "highway"):
        street = props.get("name")
    if number and street:
        precision = Precision.ADDRESS
    elif street and (kind == "street" or props.get("osm_key") == "highway"):
        precision = Precision.STREET
    else:
        precision = Precision.PLACE
    place = next((props[k] for k in _PLACE_KEYS if props.get(k)), None)
    code = props.get("countrycode")
    return Found(
        lat=lat,
        lon=lon,
        precision=precision,
        label=f"{street} {number}"
        if precision is Precision.ADDRESS
        else str(props.get("name") or street or props.get("city") or ""),
        matched=Matched(
            street=street,
            housenumber=number if precision is Precision.ADDRESS else None,
            postcode=props.get("postcode"),
            city=props.get("city"),
            place=place,
        ),
        country_code=code.lower() if isinstance(code, str) else None,
    )


DIALECT: Final = Dialect(
    name="photon",
    search_path="/api",
    reverse_path="/reverse",
    search_params=search_params,
    reverse_params=reverse_params,
    decode_search=decode_search,
    decode_reverse=decode_reverse,
)
