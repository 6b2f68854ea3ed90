"""Tell merchants that a new shipment's address needs attention (its quality scored below the
organisation's threshold), so they can ask the customer: an `address.needs_attention` webhook
per endpoint subscribed to it (or to every event), queued in the creating transaction."""

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from lastmile.notify.models import OutboxMessage
from lastmile.notify.outbox import active_endpoints, enqueue
from lastmile.orgsettings.address_rule import needs_attention
from lastmile.shipments.models import Shipment

ADDRESS_NEEDS_ATTENTION: Final = "address.needs_attention"


def queue_needs_attention(
    *, session: Session, shipments: Sequence[Shipment], threshold: int
) -> list[OutboxMessage]:
    """Queue the webhook for each shipment scored below `threshold`, once per shipment (the
    key is the shipment's); one query when no endpoint listens, however many shipments."""
    flagged = [s for s in shipments if needs_attention(s.address_score, threshold)]
    if not flagged:
        return []
    listening = [
        endpoint
        for endpoint in active_endpoints(session=session, org_id=flagged[0].org_id)
        if not endpoint.events or ADDRESS_NEEDS_ATTENTION in endpoint.events
    ]
    if not listening:
        return []
    queued: list[OutboxMessage] = []
    for shipment in flagged:
        queued += enqueue(
            session=session,
            shipment=shipment,
            event=ADDRESS_NEEDS_ATTENTION,
            key=f"{ADDRESS_NEEDS_ATTENTION}:{shipment.id}",
            score=shipment.address_score,
            threshold=threshold,
            reasons=list(shipment.address_reasons or []),
        )
    return queued
