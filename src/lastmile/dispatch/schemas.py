"""API shapes for plans, routes and reported outcomes."""

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lastmile.api.fields import Day, Instant
from lastmile.dispatch.models import Plan, PlanStatus, Route, RouteStatus, RouteStop, StopStatus
from lastmile.shipments.models import Shipment
from lastmile.shipments.schemas import EventIn, RowError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanCreate(_Strict):
    hub_id: uuid.UUID
    date: Day
    driver_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=500, description="Drivers to plan for; default: every free one"
    )
    vehicle_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=500, description="One vehicle per driver, in the same order"
    )
    time_limit_s: float = Field(default=2.0, gt=0, le=60, allow_inf_nan=False)


class ProposedStopOut(BaseModel):
    shipment_id: uuid.UUID
    tracking_number: str
    lat: float | None = Field(default=None, description="The address, to draw the draft")
    lon: float | None = None
    planned_arrival: datetime
    planned_departure: datetime


class ProposedRouteOut(BaseModel):
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID
    planned_start: datetime
    planned_end: datetime
    distance_m: float
    duration_s: float
    stops: list[ProposedStopOut]


class UnassignedOut(BaseModel):
    shipment_id: uuid.UUID
    tracking_number: str
    reason: str = Field(examples=["unreachable_window"])
    message: str


class AddressReasonOut(BaseModel):
    code: str = Field(examples=["no_house_number"])
    message: str


class AddressAttentionOut(BaseModel):
    shipment_id: uuid.UUID
    tracking_number: str
    score: int = Field(ge=0, le=100)
    reasons: list[AddressReasonOut]
    planned: bool = Field(
        description="false: left out per the organisation's `address_quality_rule` `refuse`"
        " (and listed in `unassigned`)"
    )


class PlanOut(BaseModel):
    id: uuid.UUID
    hub_id: uuid.UUID
    date: date
    status: PlanStatus
    network: str = Field(
        description="How travel times were found: a Valhalla costing or straight-line"
    )
    routes: list[ProposedRouteOut]
    unassigned: list[UnassignedOut]
    address_attention: list[AddressAttentionOut] = Field(
        description="Shipments whose address scored below the organisation's"
        " `address_quality_threshold`, with the reasons (empty when the rule is `off`)"
    )
    violations: list[str] = Field(description="Rules the plan breaks per the independent checker")
    created_at: datetime
    committed_at: datetime | None

    @classmethod
    def of(cls, plan: Plan) -> "PlanOut":
        def at(seconds: float) -> datetime:
            return plan.day_start + timedelta(seconds=seconds)

        return cls(
            id=plan.id,
            hub_id=plan.hub_id,
            date=plan.date,
            status=plan.status,
            network=plan.network,
            routes=[
                ProposedRouteOut(
                    driver_id=r["driver_id"],
                    vehicle_id=r["vehicle_id"],
                    planned_start=at(r["start_s"]),
                    planned_end=at(r["end_s"]),
                    distance_m=r["distance_m"],
                    duration_s=r["end_s"] - r["start_s"],
                    stops=[
                        ProposedStopOut(
                            shipment_id=s["shipment_id"],
                            tracking_number=s["tracking_number"],
                            lat=s.get("lat"),
                            lon=s.get("lon"),
                            planned_arrival=at(s["arrival_s"]),
                            planned_departure=at(s["departure_s"]),
                        )
                        for s in r["stops"]
                    ],
                )
                for r in plan.result.get("routes", [])
            ],
            unassigned=[UnassignedOut(**u) for u in plan.result.get("unassigned", [])],
            address_attention=[
                AddressAttentionOut(**a) for a in plan.result.get("address_attention", [])
            ],
            violations=list(plan.result.get("violations", [])),
            created_at=plan.created_at,
            committed_at=plan.committed_at,
        )


class StopOut(BaseModel):
    id: uuid.UUID
    shipment_id: uuid.UUID
    tracking_number: str
    sequence: int
    planned_arrival: datetime
    planned_departure: datetime
    status: StopStatus


class RouteOut(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID | None
    hub_id: uuid.UUID
    date: date
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID
    status: RouteStatus
    planned_start: datetime
    planned_end: datetime
    distance_m: float
    duration_s: float
    polyline6: str = Field(description="Road geometry hub → stops → hub, polyline precision 6")
    started_at: datetime | None
    stops: list[StopOut]
    warnings: list[str] = Field(
        default_factory=list,
        description="What the dispatcher must arrange after this edit, in words (a parcel"
        " that may be in this route's van); empty outside an edit's answer",
    )

    @classmethod
    def of(cls, route: Route, stops: list[tuple[RouteStop, Shipment]]) -> "RouteOut":
        return cls(
            id=route.id,
            plan_id=route.plan_id,
            hub_id=route.hub_id,
            date=route.date,
            driver_id=route.driver_id,
            vehicle_id=route.vehicle_id,
            status=route.status,
            planned_start=route.planned_start,
            planned_end=route.planned_end,
            distance_m=route.distance_m,
            duration_s=route.duration_s,
            polyline6=route.polyline6,
            started_at=route.started_at,
            stops=[
                StopOut(
                    id=stop.id,
                    shipment_id=shipment.id,
                    tracking_number=shipment.tracking_number,
                    sequence=stop.sequence,
                    planned_arrival=stop.planned_arrival,
                    planned_departure=stop.planned_departure,
                    status=stop.status,
                )
                for stop, shipment in stops
            ],
        )


class CommitOut(BaseModel):
    plan: PlanOut
    routes: list[RouteOut]


class MoveStop(_Strict):
    to_route_id: uuid.UUID
    position: int | None = Field(
        default=None, ge=0, le=10_000, description="Among the target's pending stops; default: best"
    )


class ReorderStops(_Strict):
    stop_ids: list[uuid.UUID] = Field(max_length=10_000, description="Every pending stop, in order")


class StartRoute(_Strict):
    at: Instant | None = Field(
        default=None,
        description="When the driver left, if reported late (offline phone); default now",
    )


class InsertShipment(_Strict):
    shipment: str = Field(min_length=1, max_length=40, description="Tracking number")


MAX_BULK_EVENTS = 1000


class BulkEventIn(EventIn):
    """One row of `POST /api/v1/shipments/events/bulk`: an event and whose it is."""

    tracking_number: str = Field(min_length=1, max_length=40)


class BulkEventsIn(BaseModel):
    events: Annotated[list[BulkEventIn], Field(min_length=1, max_length=MAX_BULK_EVENTS)]


class BulkEventsResult(BaseModel):
    applied: int
    failed: int
    errors: list[RowError]


class UnplannedOrderOut(BaseModel):
    """An order of the day that no route carries; `reason` is why the latest plan left it out,
    null when no plan has seen it yet (the next one will try it)."""

    shipment_id: uuid.UUID
    tracking_number: str
    recipient: str
    address: str
    parcel_count: int
    window_start: datetime | None
    window_end: datetime | None
    reason: str | None = Field(examples=["no_vehicle_capacity"])
    why: str | None = Field(examples=["the vans are full"])
    """`reason` in a dispatcher's words."""
    message: str | None
    """The planner's own message, naming the order and the numbers behind the reason."""


class UnplannedOut(BaseModel):
    hub_id: uuid.UUID
    date: date
    count: int
    plan_id: uuid.UUID | None
    """The plan the reasons come from: the day's newest not discarded."""
    planned_at: datetime | None
    orders: list[UnplannedOrderOut]
