"""A hub's orders for a day that no route carries yet, and why the last plan left each out."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Plan, PlanStatus
from lastmile.dispatch.service import plannable_shipments
from lastmile.shipments.models import Shipment


@dataclass(frozen=True)
class Unplanned:
    """One order waiting for a route. `reason` and `message` are the latest plan's for leaving
    it out (`no_vehicle_capacity`, ...); both None when no plan of the day has seen it yet, so
    the next plan will try it."""

    shipment: Shipment
    reason: str | None
    message: str | None


@dataclass(frozen=True)
class UnplannedDay:
    orders: list[Unplanned]
    plan_id: uuid.UUID | None
    """The plan the reasons come from: the day's newest that was not discarded."""
    planned_at: datetime | None


def unplanned(*, session: Session, org_id: uuid.UUID, hub_id: uuid.UUID, day: date) -> UnplannedDay:
    """The hub's orders for `day` with no driver, in creation order, each with the reason the
    day's latest plan gave for leaving it out, if it did."""
    latest = session.scalar(
        select(Plan)
        .where(
            Plan.org_id == org_id,
            Plan.hub_id == hub_id,
            Plan.date == day,
            Plan.status != PlanStatus.DISCARDED,
        )
        .order_by(Plan.created_at.desc(), Plan.id)
        .limit(1)
    )
    left_out = {
        item["shipment_id"]: item
        for item in (latest.result.get("unassigned", []) if latest is not None else [])
    }
    orders = []
    for shipment in plannable_shipments(session=session, org_id=org_id, hub_id=hub_id, day=day):
        why = left_out.get(str(shipment.id))
        orders.append(
            Unplanned(
                shipment=shipment,
                reason=why["reason"] if why else None,
                message=why["message"] if why else None,
            )
        )
    return UnplannedDay(
        orders=orders,
        plan_id=latest.id if latest is not None else None,
        planned_at=latest.created_at if latest is not None else None,
    )
