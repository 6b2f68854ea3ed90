"""RFC 9457 problem+json: the one shape every API error takes."""

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from lastmile.api.error_page import negotiate
from lastmile.db.outage import is_unavailable
from lastmile.errors import (
    DatabaseUnavailable,
    FieldError,
    LastmileError,
    MalformedRequest,
    field_errors,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = []


def _problem_content(model: type[BaseModel]) -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json for each status."""
    return {
        status: {"model": Problem, "content": _problem_content(Problem), "description": "Problem"}
        for status in statuses
    }


COMMON_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 422, 429)
"""What any route may answer; 429 because every caller (key, session, address) is rate limited."""


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"https://lastmile.dev/problems/{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=[FieldProblem(field=e.field, message=e.message) for e in errors],
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def error_response(error: LastmileError, *, instance: str | None = None) -> JSONResponse:
    return problem_response(
        status=error.status,
        title=error.title,
        detail=error.detail,
        slug=error.slug,
        instance=instance,
        errors=error.errors,
        headers=None if error.retry_after_s is None else {"Retry-After": str(error.retry_after_s)},
    )


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    raw = exc.errors()
    if any(item.get("type") == "json_invalid" for item in raw):
        ctx = raw[0].get("ctx", {}) if raw else {}
        reason = ctx.get("error", "could not be parsed")
        return error_response(
            MalformedRequest(f"the request body is not valid JSON: {reason}"),
            instance=request.url.path,
        )
    errors = field_errors(raw)
    detail = "; ".join(f"`{e.field}`: {e.message}" for e in errors[:3])
    if len(errors) > 3:
        detail += f"; and {len(errors) - 3} more"
    return problem_response(
        status=422,
        title="Invalid input",
        detail=detail,
        slug="invalid-input",
        instance=request.url.path,
        errors=errors,
    )


def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such endpoint: {request.method} {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(
        status=exc.status_code,
        title=detail.split(":")[0].capitalize(),
        detail=detail,
        slug=f"http-{exc.status_code}",
        instance=request.url.path,
        headers=exc.headers,
    )


def _lastmile_error(request: Request, exc: LastmileError) -> JSONResponse:
    if exc.status >= 500:
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    return error_response(exc, instance=request.url.path)


def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """503 + `Retry-After` for a request that met an unreachable database, logged in one line:
    an outage is not a bug, and during one every request would log the same traceback."""
    log.warning(
        "the database is unreachable on %s %s: %s",
        request.method,
        request.url.path,
        getattr(error, "orig", error),
    )
    return error_response(
        DatabaseUnavailable("the database is unreachable right now: retry in a moment"),
        instance=request.url.path,
    )


def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):
        return database_unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        status=500,
        title="Internal error",
        slug="internal",
        instance=request.url.path,
        detail="the server failed to handle this request; it has been logged",
    )


def problem_for(request: Request, error: Exception) -> JSONResponse:
    """The problem response the app's handlers give `error`, for code answering outside them."""
    if isinstance(error, LastmileError):
        return _lastmile_error(request, error)
    return _unexpected_error(request, error)


def for_people(
    handler: Callable[[Request, Any], JSONResponse],
) -> Callable[[Request, Any], Response]:
    """`handler`, whose problem becomes a readable page when a browser asked for one."""

    def handle(request: Request, exc: Any) -> Response:
        return negotiate(request, handler(request, exc))

    return handle


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, for_people(_validation_error))
    app.add_exception_handler(HTTPException, for_people(_http_error))
    app.add_exception_handler(LastmileError, for_people(_lastmile_error))
    app.add_exception_handler(Exception, for_people(_unexpected_error))
