"""Our driver app's batch upload, `POST /api/v1/fixes`: JSON body → list of `Fix`."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from lastmile.api.fields import Instant
from lastmile.errors import FieldError, InvalidInput, LastmileError, MalformedRequest, field_path
from lastmile.ingest.protocols import _validate as v
from lastmile.types import Fix

MAX_FIXES = 1_000
MAX_ATTRIBUTES = 32

Finite = Annotated[float, Field(allow_inf_nan=False)]
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _iso_text_only(value: object) -> object:
    """Times are ISO-8601 text (or datetimes, from Python); numbers would hide their unit."""
    if isinstance(value, str | datetime):
        return value
    raise ValueError("input should be a valid datetime as ISO-8601 text, e.g. 2026-01-01T08:00:00Z")


class NativeFix(BaseModel):
    """One fix as the driver app records it, already in SI units and UTC."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    at: Annotated[Instant, Field(strict=False), BeforeValidator(_iso_text_only)]
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, examples=[60.1699])]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, examples=[24.9384])]
    accuracy_m: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    speed_mps: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    heading_deg: Annotated[float, Field(ge=0, le=360, allow_inf_nan=False)] | None = None
    altitude_m: Finite | None = None
    battery_pct: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    charging: bool | None = None
    mock: bool = False
    moving: bool | None = None
    event: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    attributes: dict[AttributeName, str | bool | int | Finite] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES
    )


class NativeBatch(BaseModel):
    """The request body: one device and up to 1,000 of its fixes, oldest first."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    device_id: Annotated[str, StringConstraints(min_length=1, max_length=v.MAX_DEVICE_ID_CHARS)]
    fixes: list[NativeFix] = Field(min_length=1, max_length=MAX_FIXES)


_BOUNDS = {
    "lat": v.LATITUDE,
    "lon": v.LONGITUDE,
    "accuracy_m": v.NON_NEGATIVE,
    "speed_mps": v.NON_NEGATIVE,
    "heading_deg": v.HEADING,
    "battery_pct": v.PERCENT,
}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def decode_native(
    body: bytes | str, *, now: datetime, max_future_s: float = v.DEFAULT_MAX_FUTURE_S
) -> list[Fix]:
    """Decode a whole batch or raise; a batch with one bad fix is refused as a whole."""
    return fixes_from_batch(parse_native(body), now=now, max_future_s=max_future_s)


def parse_native(body: bytes | str) -> NativeBatch:
    """The batch as the schema reads it, or the error the app's endpoint answers with."""
    try:
        return NativeBatch.model_validate_json(body)
    except ValidationError as error:
        raise _as_lastmile_error(error) from None


def fixes_from_batch(
    batch: NativeBatch, *, now: datetime, max_future_s: float = v.DEFAULT_MAX_FUTURE_S
) -> list[Fix]:
    """Turn an already-parsed batch into fixes, checking what the schema cannot (clock, id)."""
    device_id = v.device_id(batch.device_id, "device_id")
    latest = (now + timedelta(seconds=max_future_s)).astimezone(UTC)
    fixes = []
    for index, item in enumerate(batch.fixes):
        at = item.at.astimezone(UTC)  # and compared in UTC: no time zone looked up twice
        if not v.EARLIEST_AT <= at <= latest:
            v.check_at(at, f"fixes[{index}].at", now=now, max_future_s=max_future_s)
        fixes.append(
            Fix(
                device_id=device_id,
                at=at,
                lat=item.lat,
                lon=item.lon,
                accuracy_m=item.accuracy_m,
                speed_mps=item.speed_mps,
                heading_deg=item.heading_deg,
                altitude_m=item.altitude_m,
                battery_pct=item.battery_pct,
                charging=item.charging,
                mock=item.mock,
                moving=item.moving,
                event=item.event,
                attributes=item.attributes,
            )
        )
    return fixes


def _as_lastmile_error(error: ValidationError) -> LastmileError:
    raw = error.errors(include_url=False)
    for item in raw:
        if item["type"] == "json_invalid":
            reason = item.get("ctx", {}).get("error", "could not be parsed")
            return MalformedRequest(f"the request body is not valid JSON: {reason}")
    found: dict[str, FieldError] = {}
    for item in raw:
        field_error = _field_error(item)
        found.setdefault(field_error.field, field_error)
    errors = list(found.values())
    first = InvalidInput(errors[0].field, errors[0].message)
    first.errors.extend(errors[1:])
    return first


def _field_error(item: Any) -> FieldError:
    loc: Sequence[str | int] = item["loc"]
    kind = item["type"]
    if "attributes" in loc[:-1] and kind != "too_long":
        # Each member of the value union reports its own error; one message per value is enough.
        path = field_path(loc[: loc.index("attributes") + 2])
        shown = v.show(item.get("input"))
        return FieldError(path, f"`{path}` is {shown}: must be a string, boolean or finite number")
    path = field_path(loc)
    leaf = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "missing":
        return FieldError(path, f"`{path}` is missing")
    if kind == "extra_forbidden":
        return FieldError(path, f"`{path}` is not a known field")
    if kind in _RANGE_ERRORS and leaf in _BOUNDS:
        return FieldError(path, f"`{path}` is {v.show(item['input'])}: {_BOUNDS[leaf].describe()}")
    if kind == "finite_number":
        return FieldError(path, f"`{path}` is {v.show(item['input'])}: must be a finite number")
    message = str(item["msg"]).removeprefix("Value error, ")
    return FieldError(path, f"`{path}` is {v.show(item.get('input'))}: {message.lower()}")
