"""`charge.created`: the lines one event added to a merchant's account, as a signed webhook
queued in the charging transaction (so a charge is never left untold, nor told uncharged)."""

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy.orm import Session

from lastmile.billing.models import ChargeLine, Merchant
from lastmile.billing.money import ZERO, money_text
from lastmile.notify.models import OutboxMessage
from lastmile.notify.outbox import queue_webhook
from lastmile.shipments.models import Shipment

CHARGE_CREATED: Final = "charge.created"


def queue_charge_created(
    *, session: Session, shipment: Shipment, merchant: Merchant, lines: Sequence[ChargeLine]
) -> list[OutboxMessage]:
    """One message per listening endpoint, keyed by the first line (a repeat queues nothing)."""
    subtotal = sum((line.amount for line in lines), ZERO)
    tax = sum((line.tax_amount for line in lines), ZERO)
    data: dict[str, Any] = {
        "shipment_id": str(shipment.id),
        "tracking_number": shipment.tracking_number,
        "reference": shipment.reference,
        "merchant": merchant.code,
        "currency": lines[0].currency,
        "lines": [
            {
                "id": str(line.id),
                "kind": line.kind,
                "description": line.description,
                "event_key": line.event_key,
                "service_date": line.service_date.isoformat(),
                "amount": money_text(line.amount, line.currency),
                "tax_rate": f"{line.tax_rate.normalize():f}",
                "tax_amount": money_text(line.tax_amount, line.currency),
                "reverses_id": str(line.reverses_id) if line.reverses_id else None,
            }
            for line in lines
        ],
        "subtotal": money_text(subtotal, lines[0].currency),
        "tax": money_text(tax, lines[0].currency),
        "total": money_text(subtotal + tax, lines[0].currency),
    }
    return queue_webhook(
        session=session,
        org_id=shipment.org_id,
        event=CHARGE_CREATED,
        key=f"{CHARGE_CREATED}:{lines[0].id}",
        data=data,
        shipment_id=shipment.id,
    )
