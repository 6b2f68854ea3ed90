"""Where other domains tell notify that something happened, inside their own transaction."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.notify.models import OutboxMessage
from lastmile.notify.outbox import (
    active_endpoints,
    delivery_rounds,
    enqueue,
    queued_keys,
    targets,
    wants_push,
)
from lastmile.notify.rules import Rule, effective_rules
from lastmile.notify.subscriptions import subscriptions_by_shipment
from lastmile.notify.types import Event
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status
from lastmile.types import StopEta

_EN_ROUTE = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVING})


def _is_near(rule: Rule, eta: StopEta) -> bool:
    minutes_left = (eta.eta - eta.computed_at) / timedelta(minutes=1)
    by_time = rule.minutes_before is not None and minutes_left <= rule.minutes_before
    by_stops = rule.stops_away is not None and eta.stops_away <= rule.stops_away
    return by_time or by_stops


def current_promises(
    *, session: Session, shipments: Iterable[Shipment]
) -> dict[uuid.UUID, datetime | None]:
    """The latest end of delivery each customer was told: the window, or the last delay notice."""
    by_id = {shipment.id: shipment for shipment in shipments}
    told: dict[uuid.UUID, dict[str, Any]] = {}
    if by_id:
        notices = session.execute(
            select(OutboxMessage.shipment_id, OutboxMessage.context)
            .where(
                OutboxMessage.shipment_id.in_(by_id),
                OutboxMessage.event == Event.DELAYED.value,
            )
            .order_by(OutboxMessage.created_at)
        )
        told = {shipment_id: context for shipment_id, context in notices if shipment_id}
    promises: dict[uuid.UUID, datetime | None] = {}
    for shipment_id, shipment in by_id.items():
        candidates = [shipment.window_end] if shipment.window_end else []
        if (new_end := told.get(shipment_id, {}).get("new_window_end")) is not None:
            candidates.append(datetime.fromisoformat(new_end))
        promises[shipment_id] = max(candidates) if candidates else None
    return promises


@dataclass(slots=True)
class _Notice:
    """One event an ETA may cause, before knowing whether its messages are queued already."""

    shipment: Shipment
    event: Event
    key: str
    rules: list[Rule]
    extra: dict[str, Any] = field(default_factory=dict)


def _notices(
    eta: StopEta, shipment: Shipment, round_: int, rules: list[Rule], promise: datetime | None
) -> list[_Notice]:
    """The "arriving" notice when a rule finds the stop near, "delayed" when the ETA breaks the
    promise."""
    timing = {"eta": eta.eta, "eta_start": eta.window_start, "eta_end": eta.window_end}
    expires = {"expires_at": eta.window_end}
    found = []
    near = [r for r in rules if r.event is Event.ARRIVING and _is_near(r, eta)]
    if near:
        key = f"arriving:{shipment.id}:r{round_}"
        extra = {**expires, "stops_away": eta.stops_away, **timing}
        found.append(_Notice(shipment, Event.ARRIVING, key, near, extra))
    if promise is not None and eta.eta > promise:
        key = f"delayed:{shipment.id}:r{round_}:{promise.isoformat()}"
        delayed = [r for r in rules if r.event is Event.DELAYED]
        extra = {**expires, "new_window_end": eta.window_end, "promised_end": promise, **timing}
        found.append(_Notice(shipment, Event.DELAYED, key, delayed, extra))
    return found


def etas_updated(session: Session, *, org_id: uuid.UUID, etas: Sequence[StopEta]) -> None:
    """Stops' ETAs changed: may queue "arriving" (once per round) or "delayed" messages.

    A fixed handful of queries however many ETAs: most updates repeat a notice whose
    messages are queued already, and that is found out in one query for all of them.
    """
    wanted = {eta.shipment_id for eta in etas}
    if not wanted:
        return
    shipments = {
        shipment.id: shipment
        for shipment in session.scalars(
            select(Shipment).where(
                Shipment.org_id == org_id,
                Shipment.id.in_(wanted),
                Shipment.status.in_(_EN_ROUTE),
            )
        )
    }
    if not shipments:
        return
    rounds = delivery_rounds(session=session, shipment_ids=shipments)
    rules = effective_rules(session=session, org_id=org_id)
    promises = current_promises(session=session, shipments=shipments.values())
    notices = [
        notice
        for eta in etas
        if (shipment := shipments.get(eta.shipment_id)) is not None
        for notice in _notices(eta, shipment, rounds[shipment.id], rules, promises[shipment.id])
    ]
    if not notices:
        return
    subscriptions = subscriptions_by_shipment(
        session=session,
        org_id=org_id,
        shipment_ids={n.shipment.id for n in notices if wants_push(n.rules)},
    )
    endpoints = active_endpoints(session=session, org_id=org_id)
    planned = [
        (
            notice,
            [
                target.key
                for target in targets(
                    shipment=notice.shipment,
                    event=notice.event.value,
                    key=notice.key,
                    rules=notice.rules,
                    subscriptions=subscriptions.get(notice.shipment.id, []),
                    endpoints=endpoints,
                )
            ],
        )
        for notice in notices
    ]
    queued = queued_keys(
        session=session, org_id=org_id, keys={key for _, keys in planned for key in keys}
    )
    for notice, keys in planned:
        if all(key in queued for key in keys):
            continue
        enqueue(
            session=session,
            shipment=notice.shipment,
            event=notice.event.value,
            key=notice.key,
            rules=notice.rules,
            **notice.extra,
        )


def eta_updated(session: Session, *, org_id: uuid.UUID, eta: StopEta) -> None:
    """One stop's ETA changed: `etas_updated` for one."""
    etas_updated(session, org_id=org_id, etas=[eta])
