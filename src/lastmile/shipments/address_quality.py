"""A new shipment's address judged by the geocoder: its quality stored, its point filled in
when the text finds the door with confidence and no coordinates were given.

When the geocoder cannot answer (no address index built yet, a geocoding service that
timed out or is rate limiting us) the address is not judged and its quality stays null: an
unknown quality, not a bad one.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.quality import assess
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
    for shipment in shipments:
        if isinstance(found[shipment.address_text], NoAnswer):
            continue
        given = None
        if shipment.lat is not None and shipment.lon is not None:
            given = (shipment.lat, shipment.lon)
        quality = assess(shipment.address_text, found[shipment.address_text], given)
        if given is None and quality.point is not None:
            shipment.lat, shipment.lon = quality.point
            shipment.address_geocoded = True
        shipment.address_score = quality.score
        shipment.address_reasons = [
            {"code": r.code.value, "message": r.message} for r in quality.reasons
        ]
