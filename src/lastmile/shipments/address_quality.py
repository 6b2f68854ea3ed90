"""A new shipment's address judged by the geocoder: its quality stored, its point filled in
when the text finds the door with confidence and no coordinates were given, or, better,
where earlier deliveries to the same address were made (`addresses.learned`).

When the geocoder cannot answer (no address index built yet, a geocoding service that
timed out or is rate limiting us) the address is not judged and its quality stays null: an
unknown quality, not a bad one.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.learned import Learned, learned_points
from lastmile.addresses.quality import ReasonCode, assess, with_learned_point
from lastmile.addresses.types import Geocoder, NoAnswer
from lastmile.shipments.models import Shipment


def judge_addresses(
    *, session: Session, shipments: Sequence[Shipment], geocoder: Geocoder | None = None
) -> None:
    """Geocode the shipments' address texts together (each distinct text once, in a few
    statements for a whole bulk create) and record each one's quality. `geocoder`: the
    app's (`addresses.deps`); None for the embedded index through `session`."""
    if not shipments:
        return
    geocoder = geocoder or IndexGeocoder(session)
    texts = list(dict.fromkeys(s.address_text for s in shipments))
    found = dict(zip(texts, geocoder.geocode_many(texts), strict=True))
    learned = _learned(session, shipments)
    for shipment in shipments:
        given = None
        if shipment.lat is not None and shipment.lon is not None:
            given = (shipment.lat, shipment.lon)
        door = learned.get((shipment.org_id, shipment.address_text)) if given is None else None
        answer = found[shipment.address_text]
        if isinstance(answer, NoAnswer):
            if door is not None:  # unjudged, yet earlier deliveries know the door
                shipment.lat, shipment.lon = door.lat, door.lon
                shipment.address_geocoded = True
            continue
        quality = assess(shipment.address_text, answer, given)
        if door is not None:
            quality = with_learned_point(quality, door.lat, door.lon, door.count, door.confirmed)
        if given is None and quality.point is not None:
            shipment.lat, shipment.lon = quality.point
            shipment.address_geocoded = True
        shipment.address_score = quality.score
        shipment.address_reasons = [
            {"code": r.code.value, "message": r.message}
            | (
                {"deliveries": str(door.count), "confirmed": str(door.confirmed)}
                if door and r.code is ReasonCode.LEARNED_POINT
                else {}
            )
            for r in quality.reasons
        ]


def _learned(
    session: Session, shipments: Sequence[Shipment]
) -> dict[tuple[uuid.UUID, str], Learned]:
    """The delivery points learned for the texts of the shipments given no coordinates
    (coordinates given are the merchant's or the customer's pin: never overridden)."""
    texts: dict[uuid.UUID, set[str]] = {}
    for shipment in shipments:
        if shipment.lat is None or shipment.lon is None:
            texts.setdefault(shipment.org_id, set()).add(shipment.address_text)
    return {
        (org_id, text): point
        for org_id, org_texts in texts.items()
        for text, point in learned_points(session=session, org_id=org_id, texts=org_texts).items()
    }
