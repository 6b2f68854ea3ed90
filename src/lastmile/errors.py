"""One exception tree; every error leaves the API as RFC 9457 problem+json."""

from dataclasses import dataclass
from typing import ClassVar


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
