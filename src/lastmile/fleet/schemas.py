"""API shapes for drivers, vehicles, shifts and positions."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from lastmile.api.fields import PatchModel, PhoneE164

DeviceId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[\w.:@/+-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DriverCreate(_Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Mikko Lahtinen"])
    phone: PhoneE164 | None = None
    device_ids: list[DeviceId] = Field(default=[], max_length=10, examples=[["phone-4711"]])
    photo_url: HttpUrl | None = None
    active: bool = True


class DriverUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: PhoneE164 | None = None
    device_ids: list[DeviceId] | None = Field(default=None, max_length=10)
    photo_url: HttpUrl | None = None
    active: bool | None = None


class DriverOut(BaseModel):
    id: uuid.UUID
    name: str
    phone: str | None
    device_ids: list[str]
    photo_url: str | None
    active: bool
    on_shift: bool
    created_at: datetime


class VehicleCreate(_Strict):
    plate: str = Field(min_length=1, max_length=20, examples=["ABC-123"])
    name: str | None = Field(default=None, max_length=200)
    capacity_kg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    capacity_m3: float | None = Field(default=None, gt=0, le=1_000, allow_inf_nan=False)
    capacity_parcels: int | None = Field(default=None, gt=0, le=100_000)
    skills: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default=[], max_length=20, examples=[["cold_chain"]]
    )
    active: bool = True


class VehicleUpdate(PatchModel):
    name: str | None = Field(default=None, max_length=200)
    capacity_kg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    capacity_m3: float | None = Field(default=None, gt=0, le=1_000, allow_inf_nan=False)
    capacity_parcels: int | None = Field(default=None, gt=0, le=100_000)
    skills: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = None
    active: bool | None = None


class VehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plate: str
    name: str | None
    capacity_kg: float | None
    capacity_m3: float | None
    capacity_parcels: int | None
    skills: list[str]
    active: bool
    created_at: datetime


class ShiftStart(_Strict):
    vehicle_id: uuid.UUID | None = None
    odometer_km: float | None = Field(default=None, ge=0, le=10_000_000, allow_inf_nan=False)


class ShiftEnd(_Strict):
    odometer_km: float | None = Field(default=None, ge=0, le=10_000_000, allow_inf_nan=False)
    hand_back_open_stops: bool = Field(
        default=False,
        description="Stops still open on the driver's running route go back to the hub; "
        "without it, open stops answer 409 `open-stops`",
    )


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID | None
    started_at: datetime
    ended_at: datetime | None
    odometer_start_km: float | None
    odometer_end_km: float | None


class PositionOut(BaseModel):
    driver_id: uuid.UUID
    lat: float
    lon: float
    at: datetime
    speed_mps: float | None
    heading_deg: float | None
    accuracy_m: float | None
    battery_pct: float | None
    mock: bool
    suspect: bool = Field(
        default=False,
        description="The track jumped impossibly and stayed there, and is not trusted again yet:"
        " customers are not shown this position",
    )
    received_at: datetime
    age_s: float = Field(description="Seconds between the fix and the moment of this answer")


class IssuedDeviceId(BaseModel):
    device_id: str = Field(description="The phone's Device identifier in Traccar Client")
