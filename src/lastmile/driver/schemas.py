"""API shapes of the driver app: actions (with their own id, time and place) and the route."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lastmile.api.fields import Instant, Latitude, Longitude
from lastmile.dispatch.models import RouteStatus, StopStatus
from lastmile.orgsettings.driver_app import ProofRules
from lastmile.payments.models import PaymentMethod
from lastmile.payments.schemas import Amount

MAX_CLOCK_AHEAD = timedelta(minutes=5)


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: Latitude
    lon: Longitude
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)


class ActionIn(BaseModel):
    """What every driver write carries: a client-made id, the phone's clock and position."""

    model_config = ConfigDict(extra="forbid")

    action_id: uuid.UUID = Field(
        description="Made by the app (UUID v4) when the driver acts; a replay sends the same"
    )
    at: Instant = Field(description="When the driver acted, by the phone's clock")
    position: Position | None = Field(default=None, description="Where the phone was")

    @model_validator(mode="after")
    def _not_ahead(self) -> Self:
        ahead = self.at - datetime.now(UTC)
        if ahead > MAX_CLOCK_AHEAD:
            raise ValueError(f"`at` is {int(ahead.total_seconds())} s in the future")
        return self


class ShiftStartIn(ActionIn):
    vehicle_id: uuid.UUID | None = None
    odometer_km: float | None = Field(default=None, ge=0, le=10_000_000, allow_inf_nan=False)


class ShiftEndIn(ActionIn):
    odometer_km: float | None = Field(default=None, ge=0, le=10_000_000, allow_inf_nan=False)
    hand_back_open_stops: bool = Field(
        default=False,
        description="The driver confirmed that stops still open go back to the hub; without "
        "it, ending a shift with open stops is 409 `open-stops`",
    )


class DeliverIn(ActionIn):
    note: str | None = Field(
        default=None,
        max_length=2000,
        description="The driver's note on getting to the door (gate code, entrance): kept for "
        "the address and shown to the next driver there, never to the customer",
    )


class FailIn(ActionIn):
    reason: str = Field(min_length=1, max_length=40, examples=["not_home"])
    note: str | None = Field(default=None, max_length=2000)


class AddressWrongIn(ActionIn):
    """ "Address wrong: the door is here": `position` (required) is where the door is."""

    position: Position = Field(description="Where the door really is: the phone, at the door")
    note: str | None = Field(default=None, max_length=2000, examples=["Entrance from the yard"])


class ParcelOut(BaseModel):
    barcode: str
    scanned: bool


class CodOut(BaseModel):
    amount: Decimal
    currency: str
    paid: bool


class CollectedOut(BaseModel):
    """The proofs a stop has so far."""

    photos: int
    signature: bool
    recipient_name: str | None
    code_verified: bool


class EarlierNoteOut(BaseModel):
    """A driver's note from an earlier delivery to the same address (gate code, entrance)."""

    note: str
    at: datetime


class StopOut(BaseModel):
    id: uuid.UUID
    sequence: int
    status: StopStatus
    shipment_id: uuid.UUID
    tracking_number: str
    recipient_name: str
    recipient_phone: str | None
    address: str
    lat: float | None
    lon: float | None
    window_start: datetime | None
    window_end: datetime | None
    planned_arrival: datetime
    eta: datetime | None = Field(
        default=None,
        description="The live ETA the Control Tower and the tracking page show (the stop's "
        "latest `stop_etas` row); null before the route starts and once the stop is reached",
    )
    eta_window_start: datetime | None = Field(
        default=None, description="The 80 % window around `eta` the customer is shown"
    )
    eta_window_end: datetime | None = None
    instructions: str | None
    parcels: list[ParcelOut]
    cod: CodOut | None
    proof_rules: ProofRules
    collected: CollectedOut
    missing: list[str] = Field(description="What delivering still needs; empty when ready")
    arrived_at: datetime | None
    finished_at: datetime | None
    failure_reason: str | None
    distance_m: float | None = Field(
        description="From the position given as ?lat=&lon=, straight line; null without one"
    )
    inside_geofence: bool | None = Field(
        description="Whether that position is within `geofence_m` of the stop: suggest arrival"
    )
    earlier_notes: list[EarlierNoteOut] = Field(
        default_factory=list,
        description="Notes drivers wrote delivering earlier to the same address, newest first",
    )


class ProgressOut(BaseModel):
    total: int
    delivered: int
    failed: int
    remaining: int


class RouteOut(BaseModel):
    id: uuid.UUID
    date: date
    status: RouteStatus
    started_at: datetime | None
    planned_start: datetime
    planned_end: datetime
    distance_m: float
    duration_s: float
    polyline6: str = Field(description="The planned road path hub → stops → hub (polyline6)")
    geofence_m: float
    timezone: str = Field(description="The hub's IANA time zone: the app shows times in it")
    progress: ProgressOut
    next_stop_id: uuid.UUID | None
    stops: list[StopOut]


class PathOut(BaseModel):
    """The way from the phone to the next open stop."""

    stop_id: uuid.UUID
    polyline6: str
    distance_m: float
    duration_s: float
    source: str = Field(description="`road` on the imported map, `straight_line` without one")


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    vehicle_id: uuid.UUID | None
    started_at: datetime
    ended_at: datetime | None
    odometer_start_km: float | None
    odometer_end_km: float | None


class StopActionOut(BaseModel):
    """The answer to arrive, deliver and fail."""

    stop: StopOut
    route_status: RouteStatus
    shipment_status: str


# Proofs and payments, each one action of the driver's.


class RecipientNameIn(ActionIn):
    name: str = Field(min_length=1, max_length=200)


class CodeIn(ActionIn):
    code: str = Field(min_length=1, max_length=12, description="What the customer read out")


class ScanIn(ActionIn):
    barcode: str = Field(min_length=1, max_length=100)
    typed: bool = Field(default=False, description="Typed in rather than read by the camera")


class PaymentIn(ActionIn):
    amount: Decimal = Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])
    method: PaymentMethod
