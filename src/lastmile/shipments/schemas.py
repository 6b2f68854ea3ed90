"""API shapes for shipments, their events and bulk results."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from lastmile.addresses.quality import ReasonCode
from lastmile.api.fields import Day, Instant, Latitude, Longitude, PatchModel, PhoneText
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import LABELS, Status

MAX_WINDOW = timedelta(days=7)
MAX_BULK_ROWS = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Recipient(_Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Aino Virtanen"])
    phone: PhoneText | None = Field(
        default=None,
        description="Stored in E.164; one without a country code is read as a number of the"
        " organisation's `country` (settings)",
    )
    email: EmailStr | None = None


class Location(_Strict):
    lat: Latitude
    lon: Longitude


class Address(_Strict):
    text: str = Field(min_length=1, max_length=500, examples=["Mannerheimintie 1, Helsinki"])
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        _both_or_neither(self.lat, self.lon)
        return self


def _both_or_neither(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise ValueError(f"`{missing}` is missing: give both lat and lon, or neither")


class QualityReason(BaseModel):
    code: ReasonCode
    message: str


class AddressQuality(BaseModel):
    score: int = Field(ge=0, le=100, description="100: the text finds the door")
    reasons: list[QualityReason] = Field(
        description="Why the score is not 100, and notes that cost nothing (`learned_point`)"
    )
    geocoded: bool = Field(description="lat/lon were filled in from the text, not given")
    learned_from: int | None = Field(
        default=None,
        description="lat/lon are where this many earlier deliveries to the address were made "
        "(the learned point, its confidence); null when they are not",
    )
    learned_confirmed: int | None = Field(
        default=None,
        description="Of those deliveries, how many the driver's track confirmed: it dwelt at "
        "the door, near where delivered was pressed (one such delivery is trusted on its "
        "own; unconfirmed ones from two on); null when the point is not learned",
    )


class AddressOut(Address):
    quality: AddressQuality | None = Field(
        default=None, description="Null when no address index has been built"
    )


class Window(_Strict):
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"`end` {self.end.isoformat()} is not after `start`")
        if self.end - self.start > MAX_WINDOW:
            raise ValueError("the window is longer than 7 days")
        return self


class Cod(_Strict):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=4, examples=["49.90"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class ShipmentCreate(_Strict):
    recipient: Recipient
    address: Address
    reference: str | None = Field(default=None, min_length=1, max_length=120)
    window: Window | None = None
    delivery_date: Day | None = Field(
        default=None, description="The day to deliver; defaults to the window's start date"
    )
    hub_id: uuid.UUID | None = None
    merchant: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The code of the merchant who ships it; default: the organisation's default",
    )
    service_time_s: int = Field(default=120, ge=0, le=86_400)
    weight_kg: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    volume_m3: float | None = Field(default=None, ge=0, le=1_000, allow_inf_nan=False)
    parcel_count: int = Field(default=1, ge=1, le=1000)
    cod: Cod | None = None
    instructions: str | None = Field(default=None, max_length=2000)


class AddressPatch(PatchModel):
    text: str | None = Field(default=None, min_length=1, max_length=500)
    lat: Latitude | None = Field(
        default=None,
        description="With `lon`: the pin, placed by the caller (it wins over the"
        " text's point and over points learned from deliveries)",
    )
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        _both_or_neither(self.lat, self.lon)
        if self.text is None and self.lat is None:
            raise ValueError("give the address `text`, the pin (`lat`, `lon`), or both")
        if self.text is not None and not self.text.strip():
            raise ValueError("`text` is blank: give an address text")
        return self


class RecipientPatch(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: PhoneText | None = Field(
        default=None,
        description="Read as for create: E.164, or national in the organisation's `country`",
    )
    email: EmailStr | None = None


class ShipmentPatch(PatchModel):
    """A correction: absent fields stay as they are; `window` and `instructions` may be null
    (no window, no notes)."""

    address: AddressPatch | None = None
    recipient: RecipientPatch | None = None
    window: Window | None = None
    instructions: str | None = Field(default=None, max_length=2000)

    nullable: ClassVar[frozenset[str]] = frozenset({"window", "instructions"})


class BulkShipmentsIn(_Strict):
    shipments: list[dict[str, object]] = Field(
        min_length=1,
        max_length=MAX_BULK_ROWS,
        description="Up to 1,000 shipments, each shaped as for POST /api/v1/shipments",
    )


class EventIn(_Strict):
    status: Status
    at: Instant | None = Field(default=None, description="When it happened; default now")
    note: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, min_length=1, max_length=200)
    location: Location | None = None


class CancelIn(_Strict):
    reason: str = Field(min_length=1, max_length=200)


class EventOut(BaseModel):
    id: int
    status: Status
    label: str
    at: datetime
    recorded_at: datetime
    actor: str
    actor_name: str = Field(
        description='The actor as a person reads it: a name, "API key …", "Customer",'
        ' "System"; never an id'
    )
    note: str | None
    reason: str | None
    location: Location | None

    @classmethod
    def of(cls, event: ShipmentEvent, *, actor_name: str) -> "EventOut":
        location = None
        if event.lat is not None and event.lon is not None:
            location = Location(lat=event.lat, lon=event.lon)
        return cls(
            id=event.id,
            status=event.status,
            label=LABELS[event.status],
            at=event.at,
            recorded_at=event.recorded_at,
            actor=event.actor,
            actor_name=actor_name,
            note=event.note,
            reason=event.reason,
            location=location,
        )


class ShipmentOut(BaseModel):
    id: uuid.UUID
    tracking_number: str
    tracking_url: str
    status: Status
    reference: str | None
    recipient: Recipient
    address: AddressOut
    window: Window | None
    delivery_date: date
    hub_id: uuid.UUID | None
    driver_id: uuid.UUID | None
    merchant: str | None = Field(
        default=None, description="The merchant's code; null: the organisation's default merchant"
    )
    service_time_s: int
    weight_kg: float | None
    volume_m3: float | None
    parcel_count: int
    cod: Cod | None
    instructions: str | None
    safe_place: str | None = Field(
        default=None, description="Chosen by the recipient on the tracking page"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, shipment: Shipment, *, public_url: str) -> "ShipmentOut":
        window = None
        if shipment.window_start is not None and shipment.window_end is not None:
            window = Window(start=shipment.window_start, end=shipment.window_end)
        cod = None
        if shipment.cod_amount is not None and shipment.cod_currency is not None:
            cod = Cod(amount=shipment.cod_amount, currency=shipment.cod_currency)
        return cls(
            id=shipment.id,
            tracking_number=shipment.tracking_number,
            tracking_url=f"{public_url.rstrip('/')}/t/{shipment.tracking_token}",
            status=shipment.status,
            reference=shipment.reference,
            recipient=Recipient.model_construct(
                name=shipment.recipient_name,
                phone=shipment.recipient_phone,
                email=shipment.recipient_email,
            ),
            address=AddressOut.model_construct(
                text=shipment.address_text,
                lat=shipment.lat,
                lon=shipment.lon,
                quality=_quality(shipment),
            ),
            window=window,
            delivery_date=shipment.delivery_date,
            hub_id=shipment.hub_id,
            driver_id=shipment.driver_id,
            merchant=shipment.merchant_code,
            service_time_s=shipment.service_time_s,
            weight_kg=shipment.weight_kg,
            volume_m3=shipment.volume_m3,
            parcel_count=shipment.parcel_count,
            cod=cod,
            instructions=shipment.instructions,
            safe_place=shipment.safe_place,
            created_at=shipment.created_at,
            updated_at=shipment.updated_at,
        )


def _quality(shipment: Shipment) -> AddressQuality | None:
    if shipment.address_score is None:
        return None
    return AddressQuality.model_construct(
        score=shipment.address_score,
        reasons=[
            QualityReason.model_construct(code=ReasonCode(r["code"]), message=r["message"])
            for r in shipment.address_reasons or []
        ],
        geocoded=shipment.address_geocoded,
        learned_from=next(
            (
                int(r["deliveries"])
                for r in shipment.address_reasons or []
                if r["code"] == ReasonCode.LEARNED_POINT and "deliveries" in r
            ),
            None,
        ),
        learned_confirmed=next(
            (
                int(r.get("confirmed", "0"))
                for r in shipment.address_reasons or []
                if r["code"] == ReasonCode.LEARNED_POINT and "deliveries" in r
            ),
            None,
        ),
    )


class ShipmentDetail(ShipmentOut):
    status_label: str = Field(
        description="The current `status` in words; not the last timeline row, which is in"
        " event time order and may be older than the status"
    )
    timeline: list[EventOut]


class ShipmentPage(BaseModel):
    items: list[ShipmentOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


class RowError(BaseModel):
    index: int
    field: str
    message: str


class BulkResult(BaseModel):
    created: int
    existing: int
    failed: int
    shipments: list[ShipmentOut] = Field(description="Created and existing shipments, input order")
    errors: list[RowError]
