"""Reusable validated field types for API schemas."""

import functools
from datetime import date, datetime
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, examples=[60.1699])]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, examples=[24.9384])]

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)
"""The days the API takes: a day's bounds, a zone's offset or a week's span added to any of
them stays far inside what `date` and `datetime` can hold (years 1 to 9999)."""


def _day_in_range(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(
            f"{value.isoformat()} is out of range: must be from {EARLIEST_DAY.isoformat()} "
            f"to {LATEST_DAY.isoformat()}"
        )
    return value


def _instant_in_range(value: datetime) -> datetime:
    # The local date, read before any conversion: `astimezone` itself overflows at the edges.
    if not EARLIEST_DAY <= value.date() <= LATEST_DAY:
        raise ValueError(
            f"{value.isoformat()} is out of range: must be from {EARLIEST_DAY.isoformat()} "
            f"to {LATEST_DAY.isoformat()}"
        )
    return value


Day = Annotated[date, AfterValidator(_day_in_range), Field(examples=["2026-11-24"])]
"""Every date the API takes (query, path or body): a calendar day within the supported years."""

Instant = Annotated[
    AwareDatetime,
    AfterValidator(_instant_in_range),
    Field(examples=["2026-11-24T10:00:00+02:00"]),
]
"""Every time the API takes: ISO 8601 with a zone offset, within the supported years."""


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone such as 'Europe/Helsinki'") from None
    if name not in available_timezones() and name != "UTC":
        raise ValueError(f"{name!r} is not an IANA time zone such as 'Europe/Helsinki'")
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone), Field(examples=["Europe/Helsinki"])]


def to_e164(value: str, region: str | None = None) -> str:
    """A phone number in E.164; `region` (ISO 3166-1 alpha-2) reads one written without its
    country code. ValueError, saying why, when it cannot be a phone number.

    >>> to_e164("040 123 4567", "FI"), to_e164("+358 40 123 4567")
    ('+358401234567', '+358401234567')
    """
    return _e164(value, region)


@functools.lru_cache(maxsize=16_384)
def _e164(value: str, region: str | None) -> str:
    """`to_e164`, remembered by text and region (the key holds both, so one organisation's
    country never reads another's numbers): an import's rows are checked by its preview and
    again when the file is imported, about 20 µs a number each time (bench/imports.py)."""
    example = "such as +358401234567"
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        if region is None and not value.lstrip().startswith(("+", "00")):
            raise ValueError(
                f"{value!r} has no country code: write it in international form {example}"
            ) from None
        raise ValueError(_not_valid(value, region, example)) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_not_valid(value, region, example))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _not_valid(value: str, region: str | None, example: str) -> str:
    if region is None:
        return f"{value!r} is not a valid phone number in international form {example}"
    return (
        f"{value!r} is neither a valid {region} phone number nor one in international form"
        f" {example}"
    )


_PHONE_CHARACTERS = frozenset("0123456789+ ()-./")


def _phone_like(value: str) -> str:
    """A phone number in any writing; read against the organisation's country later."""
    if set(value) - _PHONE_CHARACTERS:
        raise ValueError(f"{value!r} is not a phone number: digits, spaces and + ( ) - . / only")
    if sum(c.isdigit() for c in value) < 3:
        raise ValueError(f"{value!r} is too short to be a phone number")
    if value.lstrip().startswith("+"):
        return to_e164(value)
    return value


PhoneE164 = Annotated[
    str, Field(max_length=32, examples=["+358401234567"]), AfterValidator(to_e164)
]

PhoneText = Annotated[
    str,
    Field(max_length=32, examples=["+358401234567", "040 123 4567"]),
    AfterValidator(_phone_like),
]
"""A phone number as people write it: international ones are normalised to E.164 at once,
national ones by the service, with the organisation's `country` (`to_e164`)."""


class PatchModel(BaseModel):
    """A partial update: absent fields stay as they are, and `null` is refused (never blanks)
    except for the fields named in `nullable`, where null is a value ("no limit")."""

    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name not in cls.nullable:
                    raise ValueError(f"`{name}` may not be null: leave it out to keep it")
        return data
