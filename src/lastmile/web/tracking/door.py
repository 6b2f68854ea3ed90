""" "Is this your door?": before the parcel is out for delivery, the customer confirms the pin
of their address or moves it a short way, if the organisation allows it
(`customer_can_move_pin`).

The rule for a move: at most `MAX_MOVE_M` from where the address text puts the door (the
geocoder's point, the anchor). The distance is always measured from that anchor, never from
the customer's own last move, so the pin cannot be walked away in steps; when the text finds
no point there is no anchor, and the customer may only confirm (the sender corrects it).
"""

import json
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from lastmile.addresses.quality import STREET_FOUND
from lastmile.addresses.types import Geocoder, NoAnswer, Precision
from lastmile.audit.types import customer_actor
from lastmile.errors import Conflict, InvalidInput
from lastmile.geo import haversine_m
from lastmile.orgsettings.service import OrgRules
from lastmile.shipments.correction import Corrected, confirm_pin, move_pin
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status

MAX_MOVE_M: Final = 300.0
BEFORE_DISPATCH: Final = frozenset({Status.CREATED, Status.AT_HUB})


@dataclass(frozen=True, slots=True)
class DoorStep:
    """What the page shows: the pin, how far it may go and from where, and whether the
    customer already confirmed or moved it."""

    pin: tuple[float, float]
    anchor: tuple[float, float] | None
    """None: the text finds no point to measure a move from; the pin can only be confirmed."""
    max_move_m: float
    confirmed: bool

    def to_json(self) -> str:
        data = {"pin": self.pin, "anchor": self.anchor, "max_move_m": self.max_move_m}
        return json.dumps(data).replace("<", "\\u003c")


def door_step(shipment: Shipment, rules: OrgRules, geocoder: Geocoder) -> DoorStep | None:
    """The door step to show, or None: not allowed, no pin yet, or already on its way."""
    if not rules.customer_can_move_pin or shipment.status not in BEFORE_DISPATCH:
        return None
    if shipment.lat is None or shipment.lon is None:
        return None
    codes = {reason.get("code") for reason in shipment.address_reasons or []}
    return DoorStep(
        pin=(shipment.lat, shipment.lon),
        anchor=_anchor(shipment, geocoder),
        max_move_m=MAX_MOVE_M,
        confirmed="customer_confirmed" in codes,
    )


def confirm_door(*, session: Session, shipment: Shipment, rules: OrgRules) -> Corrected:
    _refuse(shipment, rules)
    return confirm_pin(session=session, shipment=shipment, actor=customer_actor())


def move_door(
    *,
    session: Session,
    shipment: Shipment,
    rules: OrgRules,
    lat: str,
    lon: str,
    geocoder: Geocoder,
) -> Corrected:
    """Put the pin where the customer dropped it, within `MAX_MOVE_M` of the anchor."""
    _refuse(shipment, rules)
    point = (_degrees("lat", lat, 90.0), _degrees("lon", lon, 180.0))
    anchor = _anchor(shipment, geocoder)
    if anchor is None:
        raise Conflict(
            "Your address could not be found on the map, so the pin cannot be moved here:"
            " please ask the sender to correct the address."
        )
    apart_m = haversine_m(*point, *anchor)
    if apart_m > MAX_MOVE_M:
        raise InvalidInput(
            "pin",
            f"is {round(apart_m)} m from your address: move it at most {round(MAX_MOVE_M)} m,"
            " or ask the sender to correct the address",
        )
    return move_pin(
        session=session,
        shipment=shipment,
        lat=point[0],
        lon=point[1],
        actor=customer_actor(),
        geocoder=geocoder,
    )


def _refuse(shipment: Shipment, rules: OrgRules) -> None:
    if not rules.customer_can_move_pin:
        raise Conflict("The sender does not let the pin be moved here.")
    if shipment.status not in BEFORE_DISPATCH:
        raise Conflict("Your parcel is already on its way: the pin can no longer be changed.")
    if shipment.lat is None or shipment.lon is None:
        raise Conflict("Your address has no pin on the map yet.")


def _anchor(shipment: Shipment, geocoder: Geocoder) -> tuple[float, float] | None:
    answer = geocoder.geocode(shipment.address_text)
    if isinstance(answer, NoAnswer) or not answer:
        return None
    best = answer[0]
    if best.precision is Precision.PLACE or best.score < STREET_FOUND:
        return None
    return best.lat, best.lon


def _degrees(field: str, raw: str, limit: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(field, "drag the pin on the map, then save") from None
    if not -limit <= value <= limit:
        raise InvalidInput(field, f"is {value}: must be within -{limit:g}..{limit:g}")
    return value
