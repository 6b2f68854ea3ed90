"""A new shipment, and in the same transaction what its creation tells merchants: an address
that scored below the organisation's threshold queues `address.needs_attention`. The one way
the API creates shipments (`shipments` sits below `notify` and cannot queue it itself)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from lastmile.addresses.types import Geocoder
from lastmile.billing.merchants import ids_by_code
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.notify.address_attention import queue_needs_attention
from lastmile.orgsettings.service import get_rules
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment
from lastmile.shipments.schemas import ShipmentCreate


def _tell(session: Session, org_id: uuid.UUID, created: Sequence[Shipment]) -> None:
    if not created:
        return
    threshold = get_rules(session=session, org_id=org_id).address_quality_threshold
    queue_needs_attention(session=session, shipments=created, threshold=threshold)


def create_shipment(
    *,
    session: Session,
    org_id: uuid.UUID,
    data: ShipmentCreate,
    actor: str,
    geocoder: Geocoder | None = None,
    scope: HubScope = EVERY_HUB,
) -> tuple[Shipment, bool]:
    """`shipments.service.create_shipment` with the merchant its code names, then the
    merchant's notice for a new shipment."""
    shipment, created = shipments.create_shipment(
        session=session,
        org_id=org_id,
        data=data,
        actor=actor,
        geocoder=geocoder,
        merchant_ids=ids_by_code(
            session=session, org_id=org_id, codes=[data.merchant] if data.merchant else []
        ),
        scope=scope,
    )
    if created:
        _tell(session, org_id, [shipment])
    return shipment, created


def bulk_create(
    *,
    session: Session,
    org_id: uuid.UUID,
    rows: Sequence[object],
    actor: str,
    geocoder: Geocoder | None = None,
    scope: HubScope = EVERY_HUB,
) -> shipments.BulkOutcome:
    """`shipments.service.bulk_create` with the merchants the rows name, then the merchants'
    notices for the new shipments."""
    codes = {
        row["merchant"]
        for row in rows
        if isinstance(row, dict) and isinstance(row.get("merchant"), str)
    }
    outcome = shipments.bulk_create(
        session=session,
        org_id=org_id,
        rows=rows,
        actor=actor,
        geocoder=geocoder,
        merchant_ids=ids_by_code(session=session, org_id=org_id, codes=codes),
        scope=scope,
    )
    _tell(session, org_id, outcome.fresh)
    return outcome
