"""The shipment's history as its recipient reads it: readable labels, no staff notes."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from lastmile.orgsettings.driver_app import DEFAULT_REASONS, DriverAppSettings
from lastmile.shipments.models import ShipmentEvent
from lastmile.shipments.status import LABELS, Status
from lastmile.shipments.timeline import in_lifecycle_order
from lastmile.web.tracking.actions import ACTOR as RECIPIENT


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    status: Status
    label: str
    at: datetime
    reason: str | None = None
    note: str | None = None


def reason_labels(settings: DriverAppSettings) -> dict[str, str]:
    """Reason code → its label: the organisation's own, else the default reasons' (an event
    recorded before the organisation changed its list keeps a readable label)."""
    reasons = [*DEFAULT_REASONS, *settings.failure_reasons]
    return {reason.code: reason.label for reason in reasons}


def customer_history(
    events: Sequence[ShipmentEvent], labels: Mapping[str, str]
) -> list[HistoryEntry]:
    """Newest first. A reason is shown only as a known label: a code nobody labelled, or
    free text (an integrator's, a driver's), stays internal, as notes do, but for those the
    recipient's own actions wrote on this page."""
    return [
        HistoryEntry(
            status=event.status,
            label=LABELS[event.status],
            at=event.at,
            reason=labels.get(event.reason) if event.reason else None,
            note=event.note if event.actor == RECIPIENT else None,
        )
        for event in reversed(in_lifecycle_order(events))
    ]
