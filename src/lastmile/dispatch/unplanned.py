"""A hub's orders for a day that no route carries yet, and why the last plan left each out."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Plan, PlanStatus
from lastmile.dispatch.service import PLANNABLE, plannable_shipments
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


REASON_WORDS: dict[str, str] = {
    "no_skill": "no van has what it needs (a skill or equipment)",
    "over_capacity": "it is bigger than any van",
    "service_too_long": "its service time does not fit in a shift",
    "unreachable_window": "no van can reach it within its delivery window",
    "fleet_capacity": "the vans are full",
    "fleet_time": "the drivers' shifts are full",
    "fleet_full": "every route is full",
    "left_out": "the plan had no room for it",
    "route_capacity": "its route is full",
    "route_time": "its route has no time left",
    "no_location": "its address has no position yet: fix the address",
    "no_road": "no road reaches its position from the hub: check the pin on the map",
    "address_needs_attention": "its address needs attention: fix the address",
}
"""Why a plan left an order out, in a dispatcher's words (the Plan tab and the alerts show them;
the planner's own message names coordinates and numbers)."""


def plain_reason(reason: str) -> str:
    """The reason code in words; an unknown code is read out rather than hidden.

    >>> plain_reason("no_road"), plain_reason("new_code")
    ('no road reaches its position from the hub: check the pin on the map', 'new code')
    """
    return REASON_WORDS.get(reason, reason.replace("_", " "))


@dataclass(frozen=True)
class LeftOff:
    """An order a committed plan of its day left off and that no route carries since."""

    shipment: Shipment
    plan_id: uuid.UUID
    reason: str


def left_off(
    *,
    session: Session,
    since: date,
    org_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
    day: date | None = None,
) -> list[LeftOff]:
    """Orders for `since` or later that the day's newest committed plan naming them left out
    and that are still waiting (no driver, not cancelled or gone out): the dispatcher must act,
    as no route will come by. An order added after the plan is not among them (the next plan
    will try it)."""
    query = select(Plan).where(Plan.status == PlanStatus.COMMITTED, Plan.date >= since)
    if org_id is not None:
        query = query.where(Plan.org_id == org_id)
    if hub_id is not None:
        query = query.where(Plan.hub_id == hub_id)
    if day is not None:
        query = query.where(Plan.date == day)
    latest: dict[uuid.UUID, tuple[Plan, str]] = {}
    for plan in session.scalars(query.order_by(Plan.committed_at, Plan.created_at, Plan.id)):
        for item in plan.result.get("unassigned", []):
            latest[uuid.UUID(item["shipment_id"])] = (plan, item["reason"])
    if not latest:
        return []
    waiting = session.scalars(
        select(Shipment)
        .where(
            Shipment.id.in_(latest),
            Shipment.driver_id.is_(None),
            Shipment.status.in_(PLANNABLE),
        )
        .order_by(Shipment.created_at, Shipment.id)
    )
    found = []
    for shipment in waiting:
        plan, reason = latest[shipment.id]
        if (shipment.org_id, shipment.hub_id, shipment.delivery_date) == (
            plan.org_id,
            plan.hub_id,
            plan.date,
        ):
            found.append(LeftOff(shipment=shipment, plan_id=plan.id, reason=reason))
    return found


def on_no_route() -> ColumnElement[bool]:
    """SQL over `Shipment`: it waits with no driver although its hub's plan for its day is
    committed (the plan left it off, or it came after): no route will come by unless a
    dispatcher acts."""
    committed = select(Plan.id).where(
        Plan.org_id == Shipment.org_id,
        Plan.hub_id == Shipment.hub_id,
        Plan.date == Shipment.delivery_date,
        Plan.status == PlanStatus.COMMITTED,
    )
    return and_(Shipment.driver_id.is_(None), Shipment.status.in_(PLANNABLE), committed.exists())


def awaiting_route(*, session: Session, shipment: Shipment) -> bool:
    """Whether `shipment` is `on_no_route`: its own window is no longer backed by a route."""
    if shipment.driver_id is not None or shipment.status not in PLANNABLE:
        return False
    found = session.scalar(select(Shipment.id).where(Shipment.id == shipment.id, on_no_route()))
    return found is not None


def count_on_no_route(
    *, session: Session, org_id: uuid.UUID, day: date, hub_id: uuid.UUID | None = None
) -> int:
    """How many of the day's orders (of one hub, or all) are `on_no_route`."""
    query = (
        select(func.count())
        .select_from(Shipment)
        .where(Shipment.org_id == org_id, Shipment.delivery_date == day, on_no_route())
    )
    if hub_id is not None:
        query = query.where(Shipment.hub_id == hub_id)
    return session.scalar(query) or 0
