"""From a tracking token to its one shipment, or the reason the link shows nothing."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from lastmile.orgsettings.service import OrgRules, get_rules
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import TERMINAL
from lastmile.shipments.timeline import events_of

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Tracked:
    """A shipment behind a valid link, its timeline (oldest first) and its organisation's rules."""

    shipment: Shipment
    events: list[ShipmentEvent]
    rules: OrgRules


def closed_at(shipment: Shipment, events: list[ShipmentEvent]) -> datetime | None:
    """When a delivered or cancelled shipment reached that final status."""
    if shipment.status not in TERMINAL:
        return None
    finals = [e.at for e in events if e.status == shipment.status]
    return max(finals) if finals else shipment.updated_at


def is_expired(
    shipment: Shipment, events: list[ShipmentEvent], rules: OrgRules, now: datetime
) -> bool:
    """A link expires `link_expiry_days` after delivery or cancellation; before, it never does."""
    closed = closed_at(shipment, events)
    return closed is not None and now - closed > timedelta(days=rules.link_expiry_days)


def find(*, session: Session, token: str, now: datetime) -> Tracked | Refusal:
    if not _TOKEN.match(token):
        return Refusal.UNKNOWN
    shipment = shipments.get_by_token(session=session, token=token)
    if shipment is None:
        return Refusal.UNKNOWN
    events = events_of(session=session, shipment_id=shipment.id)
    rules = get_rules(session=session, org_id=shipment.org_id)
    if is_expired(shipment, events, rules, now):
        return Refusal.EXPIRED
    return Tracked(shipment=shipment, events=events, rules=rules)
