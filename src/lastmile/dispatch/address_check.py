"""Planning meets the organisation's address quality rule: shipments whose address scored
below the threshold are listed beside the plan with their reasons (`warn`), or also left out
of it, each unassigned with its reasons (`refuse`)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lastmile.orgsettings.address_rule import AddressQualityRule, needs_attention
from lastmile.shipments.models import Shipment

UNASSIGNED_REASON: Final = "address_needs_attention"


@dataclass(slots=True)
class AddressScreen:
    """The shipments to plan, and what the plan says about the addresses that need attention
    (JSON-ready, as stored in the plan's result)."""

    to_plan: list[Shipment] = field(default_factory=list)
    attention: list[dict[str, Any]] = field(default_factory=list)
    unassigned: list[dict[str, Any]] = field(default_factory=list)


def screen_addresses(
    shipments: Sequence[Shipment], *, rule: AddressQualityRule, threshold: int
) -> AddressScreen:
    """Split the shipments per the rule; `off` plans them all and says nothing."""
    screen = AddressScreen()
    for shipment in shipments:
        if rule is AddressQualityRule.OFF or not needs_attention(shipment.address_score, threshold):
            screen.to_plan.append(shipment)
            continue
        refused = rule is AddressQualityRule.REFUSE
        reasons = list(shipment.address_reasons or [])
        screen.attention.append(
            {
                "shipment_id": str(shipment.id),
                "tracking_number": shipment.tracking_number,
                "score": shipment.address_score,
                "reasons": reasons,
                "planned": not refused,
            }
        )
        if refused:
            screen.unassigned.append(
                {
                    "shipment_id": str(shipment.id),
                    "tracking_number": shipment.tracking_number,
                    "reason": UNASSIGNED_REASON,
                    "message": _message(shipment, threshold, reasons),
                }
            )
        else:
            screen.to_plan.append(shipment)
    return screen


def _message(shipment: Shipment, threshold: int, reasons: list[dict[str, str]]) -> str:
    why = " ".join(reason["message"] for reason in reasons)
    head = (
        f"order {shipment.tracking_number}: its address scored {shipment.address_score},"
        f" below the organisation's {threshold}"
    )
    return f"{head}: {why}" if why else f"{head}."
