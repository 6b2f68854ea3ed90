"""Checks shared by the decoders; every failure names the input field at fault."""

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lastmile.errors import InvalidInput, MalformedRequest

DEFAULT_MAX_FUTURE_S = 300.0
EARLIEST_AT = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DEVICE_ID_CHARS = 128
MAX_TEXT_CHARS = 256

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SHOWN_CHARS = 40


@dataclass(frozen=True, slots=True)
class Bounds:
    """An inclusive range; `None` leaves that side open."""

    lo: float | None = None
    hi: float | None = None

    def contains(self, value: float) -> bool:
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)

    def describe(self) -> str:
        if self.lo is not None and self.hi is not None:
            return f"must be within {show(self.lo)}..{show(self.hi)}"
        if self.lo is not None:
            return f"must be {show(self.lo)} or more"
        if self.hi is not None:
            return f"must be {show(self.hi)} or less"
        return "must be a finite number"


ANY = Bounds()
LATITUDE = Bounds(-90.0, 90.0)
LONGITUDE = Bounds(-180.0, 180.0)
NON_NEGATIVE = Bounds(0.0)
HEADING = Bounds(0.0, 360.0)
PERCENT = Bounds(0.0, 100.0)


def show(value: object) -> str:
    """A short, readable rendering of a value for an error message."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def in_bounds(value: float, field: str, bounds: Bounds) -> float:
    if not math.isfinite(value):
        raise InvalidInput(field, f"`{field}` is {show(value)}: must be a finite number")
    if not bounds.contains(value):
        raise InvalidInput(field, f"`{field}` is {show(value)}: {bounds.describe()}")
    return value


def number(value: object, field: str, bounds: Bounds = ANY) -> float:
    """A JSON number (never a bool or a string) as a finite float within `bounds`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(field, f"`{field}` is {_kind(value)}: must be a number")
    try:
        as_float = float(value)
    except OverflowError:
        raise InvalidInput(field, f"`{field}` is {show(value)}: far too large") from None
    return in_bounds(as_float, field, bounds)


def optional_number(value: object, field: str, bounds: Bounds = ANY) -> float | None:
    return None if value is None else number(value, field, bounds)


def decimal(text: str, field: str, bounds: Bounds = ANY) -> float:
    """A decimal number written as text, such as a query parameter."""
    stripped = text.strip()
    if not _DECIMAL.fullmatch(stripped):
        raise InvalidInput(field, f"`{field}` is {show(text)}: must be a decimal number")
    return in_bounds(float(stripped), field, bounds)


def flag(value: object, field: str) -> bool:
    """A JSON boolean; 0/1 and strings are refused so that a typo cannot flip a flag."""
    if not isinstance(value, bool):
        raise InvalidInput(field, f"`{field}` is {_kind(value)}: must be true or false")
    return value


def optional_flag(value: object, field: str) -> bool | None:
    return None if value is None else flag(value, field)


def flag_text(text: str, field: str) -> bool:
    """A boolean written as text: `true`, `false`, `1` or `0`."""
    lowered = text.strip().lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise InvalidInput(field, f"`{field}` is {show(text)}: must be true, false, 1 or 0")


def text(value: object, field: str, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"`{field}` is {_kind(value)}: must be a string")
    if not value or len(value) > max_chars:
        raise InvalidInput(field, f"`{field}` must be 1..{max_chars} characters long")
    return value


def optional_text(value: object, field: str, *, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    return None if value is None else text(value, field, max_chars=max_chars)


def device_id(value: object, field: str) -> str:
    """A device identifier: printable, no surrounding spaces, at most 128 characters."""
    checked = text(value, field, max_chars=MAX_DEVICE_ID_CHARS)
    if checked != checked.strip() or not checked.isprintable():
        raise InvalidInput(
            field, f"`{field}` is {show(checked)}: must be printable, without surrounding spaces"
        )
    return checked


def epoch_seconds(value: float, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidInput(field, f"`{field}` is {show(value)}: not a usable epoch time") from None


def iso_datetime(value: str, field: str) -> datetime:
    """ISO-8601 text; a time without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(field, f"`{field}` is {show(value)}: must be an ISO-8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_at(at: datetime, field: str, *, now: datetime, max_future_s: float) -> datetime:
    """`at` in UTC, refused when before 2000 or more than `max_future_s` ahead of `now`."""
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    at = at.astimezone(UTC)
    latest = now + timedelta(seconds=max_future_s)
    if at > latest:
        raise InvalidInput(
            field,
            f"`{field}` is {at.isoformat()}: more than {show(max_future_s)} s ahead "
            f"of the server clock ({now.astimezone(UTC).isoformat()})",
        )
    if at < EARLIEST_AT:
        raise InvalidInput(
            field, f"`{field}` is {at.isoformat()}: must be after {EARLIEST_AT.isoformat()}"
        )
    return at


def json_body(body: bytes | str) -> object:
    """Parse a request body as strict JSON (no NaN or Infinity), or raise MalformedRequest."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise MalformedRequest(f"the request body is not valid JSON: {error}") from None


def _refuse_constant(name: str) -> object:
    raise ValueError(f"`{name}` is not a JSON number")


def _kind(value: object) -> str:
    match value:
        case None:
            return "missing"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return f"the string {show(value)}"
        case list():
            return "a list"
        case dict():
            return "an object"
    return type(value).__name__
