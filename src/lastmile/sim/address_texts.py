"""The address texts the simulated merchant sends with its pins: the real address nearest each
point, as an order form writes it (`Mannerheimintie 12, 00100 Helsinki`).

A day's quality flags are then the real few a day of real orders would show: a pin on a road
far from any address (more than `addresses.quality.FAR_FROM_ADDRESS_M` to the nearest), plus
the deliberately fuzzy ones, every `1 / fuzzy_share`-th shipment, whose text leaves the house
number out as customers sometimes type it. Those keep their pin (the van still goes there),
so the Control Tower's "needs attention" filter has real ones to show and fix.

The nearest address is the server's reverse geocoding (`GET /api/v1/geocode/reverse`); without
an address index, or with none within 1 km, a text names the shipment's number
(`Simulated address 7`), as before the index existed.
"""

from collections.abc import Callable
from typing import Any, Final

from lastmile.routing.network import LatLon

Call = Callable[..., Any]
"""`sim.world.Api.call`: (method, path, **httpx options) → the JSON answer, raising on failure."""

PLACEHOLDER: Final = "Simulated address {number}"


def address_text(call: Call, point: LatLon, *, number: int, fuzzy: bool = False) -> str:
    """The text of the address nearest `point`; its street without the house number when
    `fuzzy`; `Simulated address <number>` when the server knows no address near it.

    >>> def server(method, path, params):
    ...     return {"label": "Bulevardi 9", "precision": "address", "matched": {
    ...         "street": "Bulevardi", "postcode": "00120", "city": "Helsinki"}}
    >>> address_text(server, (60.165, 24.939), number=1)
    'Bulevardi 9, 00120 Helsinki'
    >>> address_text(server, (60.165, 24.939), number=1, fuzzy=True)
    'Bulevardi, 00120 Helsinki'
    """
    try:
        nearest = call("GET", "/api/v1/geocode/reverse", params={"lat": point[0], "lon": point[1]})
    except RuntimeError:  # no address within 1 km, or no index at all
        return PLACEHOLDER.format(number=number)
    matched = nearest["matched"]
    street = matched.get("street")
    if nearest["precision"] != "address" or not street:
        return PLACEHOLDER.format(number=number)
    town = " ".join(part for part in (matched.get("postcode"), matched.get("city")) if part)
    first = street if fuzzy else nearest["label"]
    return f"{first}, {town}" if town else first
