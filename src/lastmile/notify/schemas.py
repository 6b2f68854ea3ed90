"""API shapes for notification rules, settings, webhooks, opt-outs and the delivery log."""

import uuid
from datetime import datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

from lastmile.api.fields import PhoneE164, TimeZoneName
from lastmile.notify.types import WEBHOOK_EVENTS, Channel, Event, MessageStatus


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event: Event
    channel: Channel
    enabled: bool
    template: str
    minutes_before: int | None
    stops_away: int | None
    customised: bool


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    template: str | None = Field(default=None, pattern=r"^[a-z_]{1,64}$")
    minutes_before: int | None = Field(default=None, ge=1, le=240)
    stops_away: int | None = Field(default=None, ge=0, le=50)


def _local_clock_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a local time without an offset: the zone comes from the hub")
    if value.second or value.microsecond:
        raise ValueError("give hours and minutes only, as HH:MM")
    return value


LocalTime = Annotated[time, AfterValidator(_local_clock_time)]


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: LocalTime = Field(examples=["21:00"])
    end: LocalTime = Field(examples=["08:00"])

    @model_validator(mode="after")
    def _not_empty(self) -> "QuietHours":
        if self.start == self.end:
            raise ValueError("`start` and `end` are equal: leave quiet hours out instead")
        return self


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: str = Field(default="en", pattern=r"^[a-z]{2}$", examples=["fi"])
    timezone: TimeZoneName = "UTC"
    quiet_hours: QuietHours | None = None


class SettingsOut(BaseModel):
    locale: str
    timezone: str
    quiet_hours: QuietHours | None
    locales: list[str]


WebhookEventName = Annotated[str, Field(json_schema_extra={"enum": list(WEBHOOK_EVENTS)})]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    events: list[WebhookEventName] = Field(default=[], description="Empty: every event")
    description: str = Field(default="", max_length=200)


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown once: verify `Lastmile-Signature` with it")


class OptOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: PhoneE164 | None = None
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")

    @model_validator(mode="after")
    def _one(self) -> "OptOutIn":
        if (self.phone is None) == (self.email is None):
            raise ValueError("give exactly one of `phone` or `email`")
        return self


class OptOutOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: Channel
    address: str
    source: str
    created_at: datetime


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    at: datetime
    duration_ms: float
    outcome: str
    status_code: int | None
    error: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    shipment_id: uuid.UUID | None
    endpoint_id: uuid.UUID | None
    event: str
    channel: Channel
    status: MessageStatus
    idempotency_key: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class DeliveryDetail(DeliveryOut):
    log: list[AttemptOut]
    context: dict[str, Any]
