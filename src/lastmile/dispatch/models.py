"""Tables: plans (a proposal for a hub's day), routes and their ordered stops."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class PlanStatus(StrEnum):
    DRAFT = "draft"
    COMMITTED = "committed"
    DISCARDED = "discarded"


class RouteStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class StopStatus(StrEnum):
    PENDING = "pending"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    FAILED = "failed"


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=16,
    )


class Plan(OrgScoped, Base):
    """A proposal for one hub's day; `result` holds the proposed routes and the left-outs."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_org_hub_date", "org_id", "hub_id", "date"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    date: Mapped[date]
    status: Mapped[PlanStatus] = mapped_column(
        _enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    day_start: Mapped[datetime]
    network: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    committed_at: Mapped[datetime | None]


class Route(OrgScoped, Base):
    """A driver's and vehicle's day: leaves the hub, serves its stops in order, comes back."""

    __tablename__ = "routes"
    __table_args__ = (Index("ix_routes_org_date", "org_id", "date"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), index=True
    )
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    date: Mapped[date]
    driver_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    status: Mapped[RouteStatus] = mapped_column(
        _enum(RouteStatus, "route_status"), default=RouteStatus.PLANNED
    )
    day_start: Mapped[datetime]
    planned_start: Mapped[datetime]
    planned_end: Mapped[datetime]
    distance_m: Mapped[float]
    duration_s: Mapped[float]
    polyline6: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RouteStop(OrgScoped, Base):
    """One visit of a route; `sequence` orders them from 0."""

    __tablename__ = "route_stops"
    __table_args__ = (Index("ix_route_stops_route_sequence", "route_id", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    route_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    planned_arrival: Mapped[datetime]
    planned_departure: Mapped[datetime]
    status: Mapped[StopStatus] = mapped_column(
        _enum(StopStatus, "stop_status"), default=StopStatus.PENDING
    )
    arrived_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    loaded_at: Mapped[datetime | None]
    """When its parcels were scanned onto the van at the hub (`labels.loading`)."""


class DriverAction(OrgScoped, Base):
    """One applied driver-app action, keyed by the app's own `action_id`.

    Written in the same transaction as the action's effect, so a replay (the app resends
    its offline queue after a lost answer, hours later) finds it and gets the first answer
    back instead of doing the action twice.
    """

    __tablename__ = "driver_actions"
    __table_args__ = (UniqueConstraint("driver_id", "action_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    action_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(40))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
