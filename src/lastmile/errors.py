"""One exception tree; every error leaves the API as RFC 9457 problem+json."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field at fault: a dotted path such as `recipient.phone`, and why."""

    field: str
    message: str


class LastmileError(Exception):
    """Root of every error we raise on purpose; `status` is the HTTP status it maps to."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    slug: ClassVar[str] = "internal"
    retry_after_s: int | None = None
    """Sent as `Retry-After` when set: when the same request may succeed."""

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(LastmileError):
    """A value the caller sent is wrong; `field` names it."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"`{field}`: {message}", errors=[FieldError(field, message)])
        self.field = field


class MalformedRequest(LastmileError):
    """The request cannot be parsed at all (truncated JSON, wrong content type)."""

    status = 400
    title = "Malformed request"
    slug = "malformed-request"


class Unauthenticated(LastmileError):
    status = 401
    title = "Authentication required"
    slug = "unauthenticated"


class Forbidden(LastmileError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(LastmileError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(LastmileError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class TooManyAttempts(LastmileError):
    """Too many wrong secrets in a row: locked for a while."""

    status = 429
    title = "Too many attempts"
    slug = "too-many-attempts"


class RateLimited(LastmileError):
    """Over a rate limit (per IP, account, API key or device) until `retry_after_s` passed."""

    status = 429
    title = "Too many requests"
    slug = "rate-limited"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class PayloadTooLarge(LastmileError):
    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class InsecureSettings(LastmileError):
    """Refusing to start in production on a default or weak setting."""

    title = "Insecure settings"
    slug = "insecure-settings"


class Busy(LastmileError):
    """The embedded database was busy with another writer; nothing was changed: retry."""

    status = 503
    title = "Busy"
    slug = "busy"
    retry_after_s = 1


class DatabaseUnavailable(LastmileError):
    """The database could not be reached (restarting, network cut): retry after a moment, with
    the same `Idempotency-Key` for a change whose answer was lost."""

    status = 503
    title = "Service unavailable"
    slug = "database-unavailable"
    retry_after_s = 2


_PARAM_SOURCES = {"body", "query", "path", "header", "cookie"}


def field_path(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a dotted path, list indexes in brackets.

    >>> field_path(("body", "shipments", 2, "address", "lat"))
    'shipments[2].address.lat'
    """
    parts = list(loc[1:] if loc and loc[0] in _PARAM_SOURCES and len(loc) > 1 else loc)
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


def field_errors(raw: Sequence[Any]) -> list[FieldError]:
    """Pydantic error dicts → our FieldError list with readable messages."""
    errors = []
    for item in raw:
        message = str(item.get("msg", "is invalid"))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        elif _is_scalar(item.get("input")):
            message = f"is {item['input']!r}: {message[:1].lower()}{message[1:]}"
        errors.append(FieldError(field_path(item.get("loc", ())), message))
    return errors


def _is_scalar(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= 80
    return isinstance(value, int | float) and not isinstance(value, bool)
