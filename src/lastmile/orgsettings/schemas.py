"""API shapes of the organisation settings, with the rules each field must keep."""

import base64
import binascii
from typing import Annotated, ClassVar, Self

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from lastmile.api.fields import PatchModel, TimeZoneName
from lastmile.orgsettings.address_rule import AddressQualityRule

MIN_AUDIT_RETENTION_DAYS = 30  # shorter would let a change slip out of the log before review
MAX_AUDIT_RETENTION_DAYS = 3650
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

HexColor = Annotated[
    str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#1f5fbf"]), AfterValidator(str.lower)
]
ClockTime = Annotated[str, Field(pattern=_CLOCK, examples=["18:00"])]
FeedbackTag = Annotated[str, Field(min_length=1, max_length=40)]


def _https_or_blank(value: str) -> str:
    if value and not value.startswith("https://"):
        raise ValueError("must be an https:// URL (or empty to remove the logo URL)")
    return value


LogoUrl = Annotated[str, Field(max_length=500), AfterValidator(_https_or_blank)]


def _phone_region(value: str) -> str:
    code = value.upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code such as 'FI'")
    return code


CountryCode = Annotated[
    str, Field(min_length=2, max_length=2, examples=["FI"]), AfterValidator(_phone_region)
]


class DeliveryWindow(BaseModel):
    """A window offered for rescheduling, in the organisation's local time."""

    model_config = ConfigDict(extra="forbid")

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"`end` {self.end} must be after `start` {self.start}")
        return self


class OrgSettingsOut(BaseModel):
    brand_color: str
    logo_url: str | None
    has_logo_image: bool
    timezone: str
    driver_visible_stops_away: int
    link_expiry_days: int
    reschedule_days_ahead: int
    reschedule_cutoff: str
    reschedule_windows: list[DeliveryWindow]
    feedback_tags: list[str]
    audit_retention_days: int | None = Field(
        description="Audit entries older than this many days are deleted; null: kept forever"
    )
    osmand_issued_ids_only: bool
    address_quality_rule: AddressQualityRule
    address_quality_threshold: int
    country: str | None
    customer_can_move_pin: bool


class OrgSettingsPatch(PatchModel):
    brand_color: HexColor | None = None
    logo_url: LogoUrl | None = Field(default=None, description="https URL; empty removes it")
    timezone: TimeZoneName | None = None
    driver_visible_stops_away: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="Show the driver on the tracking page once the stop is this many stops away"
        " (1: only when it is next)",
    )
    link_expiry_days: int | None = Field(
        default=None, ge=1, le=365, description="Days after delivery or cancellation"
    )
    reschedule_days_ahead: int | None = Field(default=None, ge=0, le=60)
    reschedule_cutoff: ClockTime | None = Field(
        default=None, description="Local time on the day before, after which that day is closed"
    )
    reschedule_windows: list[DeliveryWindow] | None = Field(default=None, max_length=12)
    feedback_tags: list[FeedbackTag] | None = Field(default=None, max_length=20)
    audit_retention_days: int | None = Field(
        default=None,
        ge=MIN_AUDIT_RETENTION_DAYS,
        le=MAX_AUDIT_RETENTION_DAYS,
        description="Delete audit entries older than this many days; null keeps them forever"
        " (the default)",
    )
    osmand_issued_ids_only: bool | None = Field(
        default=None,
        description="Refuse OsmAnd (Traccar Client) fixes from device ids not issued by"
        " `POST /api/v1/drivers/{id}/device-ids`: they are answered and dropped as an unknown"
        " id's. Turn it on in production.",
    )

    address_quality_rule: AddressQualityRule | None = Field(
        default=None,
        description="Planning with addresses scored below `address_quality_threshold`: `off`"
        " ignores it, `warn` (the default) plans them and lists them with their reasons,"
        " `refuse` leaves them unassigned with their reasons",
    )
    address_quality_threshold: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="An address scored below this needs attention (default 60): the orders"
        " filter, planning and the `address.needs_attention` webhook",
    )
    country: CountryCode | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2: recipients' phone numbers written without a country"
        " code (`040 123 4567`) are read as this country's; null: they must carry one",
    )

    customer_can_move_pin: bool | None = Field(
        default=None,
        description='Before dispatch the tracking page asks the customer "Is this your door?":'
        " they confirm the pin or move it up to 300 m from where the address text puts it"
        " (default true)",
    )

    nullable: ClassVar[frozenset[str]] = frozenset({"audit_retention_days", "country"})

    @field_validator("feedback_tags")
    @classmethod
    def _unique_tags(cls, tags: list[str] | None) -> list[str] | None:
        if tags is not None and len(set(tags)) != len(tags):
            raise ValueError("holds the same tag twice")
        return tags


class LogoUpload(BaseModel):
    """The logo as base64 in JSON (binary bodies never pass the NUL guard)."""

    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(examples=["image/png"], max_length=40)
    data_base64: str = Field(max_length=300_000, description="The image, base64-encoded")

    @field_validator("data_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64") from None
        return value

    def image(self) -> bytes:
        return base64.b64decode(self.data_base64)
