"""API shapes for scanning parcels at the hub and a route's load."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lastmile.labels.loading import HubRoute, LoadItem, LoadState, Outcome, ScanAction, Scanned
from lastmile.shipments.status import Status


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1,
        max_length=500,
        description="What the scanner read: the tracking number (barcode) or tracking link (QR)",
    )
    action: ScanAction
    route_id: uuid.UUID | None = Field(
        default=None, description="The route being loaded; a parcel of another route is refused"
    )


class ScanOut(BaseModel):
    outcome: Outcome
    message: str = Field(description="What happened, in words for the person scanning")
    tracking_number: str
    status: Status
    recipient_name: str
    address: str
    parcels: int
    route_id: uuid.UUID | None
    route_name: str | None
    stop_number: int | None
    loaded_at: datetime | None

    @classmethod
    def of(cls, scanned: Scanned) -> "ScanOut":
        shipment = scanned.shipment
        return cls(
            outcome=scanned.outcome,
            message=scanned.message,
            tracking_number=shipment.tracking_number,
            status=shipment.status,
            recipient_name=shipment.recipient_name,
            address=shipment.address_text,
            parcels=shipment.parcel_count,
            route_id=scanned.route.id if scanned.route is not None else None,
            route_name=scanned.route_name,
            stop_number=scanned.stop_number,
            loaded_at=scanned.loaded_at,
        )


class LoadItemOut(BaseModel):
    stop_number: int
    tracking_number: str
    recipient_name: str
    address: str
    parcels: int
    loaded_at: datetime | None

    @classmethod
    def of(cls, item: LoadItem) -> "LoadItemOut":
        return cls(
            stop_number=item.stop_number,
            tracking_number=item.tracking_number,
            recipient_name=item.recipient_name,
            address=item.address,
            parcels=item.parcels,
            loaded_at=item.loaded_at,
        )


class LoadStateOut(BaseModel):
    route_id: uuid.UUID
    route_name: str
    route_status: str
    loaded: list[LoadItemOut] = Field(
        description="Scanned onto the van, or delivered or attempted from it (`loaded_at`"
        " null: on board without a scan), in stop order"
    )
    missing: list[LoadItemOut] = Field(description="Not scanned onto the van yet, in stop order")
    left_without_scan: bool = Field(
        description="The route started with no parcel scanned onto the van"
    )

    @classmethod
    def of(cls, state: LoadState) -> "LoadStateOut":
        return cls(
            route_id=state.route.id,
            route_name=state.route_name,
            route_status=state.route.status,
            loaded=[LoadItemOut.of(item) for item in state.loaded],
            missing=[LoadItemOut.of(item) for item in state.missing],
            left_without_scan=state.left_without_scan,
        )


class HubRouteOut(BaseModel):
    route_id: uuid.UUID
    route_name: str
    route_status: str
    planned_start: datetime
    stops: int
    loaded: int = Field(description="Stops scanned onto the van, or delivered or attempted")
    left_without_scan: bool = Field(
        description="The route started with no parcel scanned onto the van"
    )

    @classmethod
    def of(cls, found: HubRoute) -> "HubRouteOut":
        return cls(
            route_id=found.route.id,
            route_name=found.route_name,
            route_status=found.route.status,
            planned_start=found.route.planned_start,
            stops=found.stops,
            loaded=found.loaded,
            left_without_scan=found.left_without_scan,
        )
