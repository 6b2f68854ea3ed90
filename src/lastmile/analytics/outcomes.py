"""How a day's planned stops turned out: delivered, failed, on time, at the first attempt."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import Status


@dataclass(frozen=True, slots=True)
class StopOutcomes:
    planned: int
    delivered: int
    failed: int
    on_time: int
    timed: int
    first_attempt: int

    @property
    def remaining(self) -> int:
        return self.planned - self.delivered - self.failed

    @property
    def on_time_pct(self) -> float | None:
        """Delivered by the window's end, among delivered stops that had a window."""
        return _pct(self.on_time, self.timed)

    @property
    def first_attempt_pct(self) -> float | None:
        """Delivered with no earlier failed attempt, among stops finished either way."""
        return _pct(self.first_attempt, self.delivered + self.failed)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def stop_outcomes(
    session: Session,
    *,
    org_id: uuid.UUID,
    day: date,
    driver_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
) -> StopOutcomes:
    query = (
        select(RouteStop.status, Shipment.id, Shipment.window_end)
        .join(Route, Route.id == RouteStop.route_id)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(Route.org_id == org_id, Route.date == day)
    )
    if driver_id is not None:
        query = query.where(Route.driver_id == driver_id)
    if hub_id is not None:
        query = query.where(Route.hub_id == hub_id)
    rows = session.execute(query).all()
    delivered_at: dict[uuid.UUID, datetime] = {}
    attempted: set[uuid.UUID] = set()
    events = select(ShipmentEvent.shipment_id, ShipmentEvent.status, ShipmentEvent.at).where(
        ShipmentEvent.shipment_id.in_([row.id for row in rows]),
        ShipmentEvent.status.in_([Status.DELIVERED, Status.ATTEMPTED]),
    )
    for shipment_id, status, at in session.execute(events):
        if status is Status.DELIVERED:
            delivered_at[shipment_id] = at
        else:
            attempted.add(shipment_id)
    done = [row for row in rows if row.status is StopStatus.COMPLETED]
    timed = [row for row in done if row.window_end is not None and row.id in delivered_at]
    return StopOutcomes(
        planned=len(rows),
        delivered=len(done),
        failed=sum(1 for row in rows if row.status is StopStatus.FAILED),
        on_time=sum(1 for row in timed if delivered_at[row.id] <= row.window_end),
        timed=len(timed),
        first_attempt=sum(1 for row in done if row.id not in attempted),
    )
