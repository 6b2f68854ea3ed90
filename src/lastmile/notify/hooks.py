"""Where other domains tell notify that something happened, inside their own transaction."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.eta.current import StopEta
from lastmile.notify.models import OutboxMessage
from lastmile.notify.outbox import delivery_round, enqueue
from lastmile.notify.rules import Rule, rules_for
from lastmile.notify.types import Event
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status

_EN_ROUTE = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVING})


def _is_near(rule: Rule, eta: StopEta) -> bool:
    minutes_left = (eta.eta - eta.computed_at) / timedelta(minutes=1)
    by_time = rule.minutes_before is not None and minutes_left <= rule.minutes_before
    by_stops = rule.stops_away is not None and eta.stops_away <= rule.stops_away
    return by_time or by_stops


def current_promise(*, session: Session, shipment: Shipment) -> datetime | None:
    """The latest end of delivery the customer was told: the window, or the last delay notice."""
    told = session.scalars(
        select(OutboxMessage.context)
        .where(
            OutboxMessage.shipment_id == shipment.id,
            OutboxMessage.event == Event.DELAYED.value,
        )
        .order_by(OutboxMessage.created_at.desc())
        .limit(1)
    ).first()
    candidates = [shipment.window_end] if shipment.window_end else []
    if told and told.get("new_window_end"):
        candidates.append(datetime.fromisoformat(told["new_window_end"]))
    return max(candidates) if candidates else None


def eta_updated(session: Session, *, org_id: uuid.UUID, eta: StopEta) -> None:
    """A stop's ETA changed: may queue "arriving" (once per round) or "delayed" messages."""
    shipment = session.scalar(
        select(Shipment).where(Shipment.org_id == org_id, Shipment.id == eta.shipment_id)
    )
    if shipment is None or shipment.status not in _EN_ROUTE:
        return
    round_ = delivery_round(session=session, shipment_id=shipment.id)
    timing = {"eta": eta.eta, "eta_start": eta.window_start, "eta_end": eta.window_end}
    near = [
        r
        for r in rules_for(session=session, org_id=org_id, event=Event.ARRIVING)
        if _is_near(r, eta)
    ]
    if near:
        enqueue(
            session=session,
            shipment=shipment,
            event=Event.ARRIVING.value,
            key=f"arriving:{shipment.id}:r{round_}",
            rules=near,
            expires_at=eta.window_end,
            stops_away=eta.stops_away,
            **timing,
        )
    promise = current_promise(session=session, shipment=shipment)
    if promise is not None and eta.eta > promise:
        enqueue(
            session=session,
            shipment=shipment,
            event=Event.DELAYED.value,
            key=f"delayed:{shipment.id}:r{round_}:{promise.isoformat()}",
            rules=rules_for(session=session, org_id=org_id, event=Event.DELAYED),
            expires_at=eta.window_end,
            new_window_end=eta.window_end,
            promised_end=promise,
            **timing,
        )
