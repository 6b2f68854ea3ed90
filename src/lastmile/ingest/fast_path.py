"""A short way in for the phones' fixes: our driver app and Traccar Client (OsmAnd).

Through the whole app (middleware, routing, FastAPI's dependency solving and validation) a
request carrying one fix cost as much again as storing it, and a fleet sends one such request
per phone every few seconds. `FixFastPath` takes a plain, well-formed fix request straight to
the ingestor, through the same `ingest.ways_in` functions as the app's routes, and hands
anything else to the app unchanged. Each request it hands on is logged and counted by reason
(`FastPathCounts`, shown by `GET /healthz`), so a fleet that quietly stopped taking the short
way is seen.
"""

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.api.problems import problem_for
from lastmile.auth.deps import Principal
from lastmile.auth.recent import RecentlyVerified
from lastmile.driver_auth.deps import DriverPrincipal
from lastmile.errors import InvalidInput, LastmileError, MalformedRequest, NotFound, RateLimited
from lastmile.ingest.osmand_port import OSMAND_PATH
from lastmile.ingest.protocols.native import parse_native
from lastmile.ingest.protocols.osmand import is_json_request
from lastmile.ingest.ways_in import Claim, DeviceOfAnotherOrganisation, claim_native, claim_osmand

log = logging.getLogger(__name__)

NATIVE_PATH = "/api/v1/fixes"
DRIVER_PATH = "/api/v1/driver/fixes"
MAX_OSMAND_BODY_BYTES = 8192
_OSMAND_METHODS = frozenset({"GET", "POST", "PUT"})
_NUL_IN_QUERY = (b"\x00", b"%00")
_NUL_IN_JSON = (b"\x00", b"\\u0000")

# Why a request went to the app instead: the keys of `FastPathCounts.fallbacks`.
IDEMPOTENCY_KEY = "idempotency_key"
CHUNKED = "chunked"
TOO_LARGE = "too_large"
UNUSUAL = "unusual_request"
"""A method, content type, query string or length header the phones do not send."""
NUL = "nul"
UNKNOWN_CREDENTIAL = "unknown_credential"
"""No bearer token, or one not verified moments ago (the app verifies it, or refuses it)."""
DECODE_ERROR = "decode_error"
INVALID_FIX = "invalid_fix"
UNKNOWN_DEVICE = "unknown_device"
OTHER_ORG_DEVICE = "other_org_device"
ERROR = "error"
"""An exception nobody expected, logged with its traceback."""


class FastPathCounts:
    """Requests the fast path served, and those it handed to the app, by reason; per process."""

    def __init__(self) -> None:
        self.taken = 0
        self.fallbacks: Counter[str] = Counter()

    def as_dict(self) -> dict[str, Any]:
        return {"taken": self.taken, "fallbacks": dict(sorted(self.fallbacks.items()))}


_Head = Callable[[Scope, dict[bytes, bytes]], str | None]
_Claim = Callable[[Scope, dict[bytes, bytes], bytes], Awaitable[Claim | str | None]]


@dataclass(frozen=True, slots=True)
class _Way:
    head: _Head
    """Why the request must go to the app, judged before its body is read; None to go on."""
    claim: _Claim
    """Its fixes and owner, or why it must go to the app, or None for fixes dropped (an
    unknown OsmAnd device, answered as a known one); raises the app's own error."""
    answer: Callable[[dict[str, Any]], Response]
    """The response to the ingestor's result (`IngestResult.as_dict()`)."""


class FixFastPath:
    """Serve a fix request that the app's middleware would have nothing to do for.

    Taken: an OsmAnd request (GET, POST or PUT, query string, form or JSON body, at most
    `MAX_OSMAND_BODY_BYTES`), or a native batch (POST, JSON, within the body limit) to
    `POST /api/v1/fixes` with an API key verified moments ago or to `POST /api/v1/driver/fixes`
    with a driver session verified moments ago (`auth.recent`); never one with an
    `Idempotency-Key`, a chunked body or a NUL. Its fixes are decoded, its caller and its
    device checked first: if anything fails, nothing has been stored and the request goes on
    to the app with its body replayed, so every error is answered by the app's own endpoint.
    """

    def __init__(self, app: ASGIApp, *, counts: FastPathCounts | None = None) -> None:
        self.app = app
        self.counts = counts if counts is not None else FastPathCounts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        way = _WAYS.get(scope["path"]) if scope["type"] == "http" else None
        if way is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        reason = way.head(scope, headers)
        if reason is not None:
            self._fall_back(scope, reason)
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        claim = await self._claim(way, scope, headers, body)
        if isinstance(claim, RateLimited):  # answered here: the app would count it again
            await problem_for(Request(scope), claim)(scope, receive, send)
            return
        if claim is None:
            self.counts.taken += 1
            await way.answer({})(scope, receive, send)
            return
        if isinstance(claim, str):
            self._fall_back(scope, claim)
            await self.app(scope, replay(body, receive), send)
            return
        self.counts.taken += 1
        try:
            result = await claim.ingest(scope["app"].state.ingestor)
        except Exception as error:
            await problem_for(Request(scope), error)(scope, receive, send)
            return
        await way.answer(result.as_dict())(scope, receive, send)

    @staticmethod
    async def _claim(
        way: _Way, scope: Scope, headers: dict[bytes, bytes], body: bytes
    ) -> Claim | str | RateLimited | None:
        try:
            return await way.claim(scope, headers, body)
        except RateLimited as error:
            return error
        except LastmileError as error:
            return _reason(error)
        except Exception:
            log.exception("the fast path failed on %s %s", scope["method"], scope["path"])
            return ERROR

    def _fall_back(self, scope: Scope, reason: str) -> None:
        self.counts.fallbacks[reason] += 1
        if reason != ERROR:  # an error was logged with its traceback already
            log.debug("%s %s goes to the app: %s", scope["method"], scope["path"], reason)


def _reason(error: LastmileError) -> str:
    """The fallback reason of an error the app's endpoint will answer the same request with."""
    if isinstance(error, DeviceOfAnotherOrganisation):
        return OTHER_ORG_DEVICE
    if isinstance(error, NotFound):
        return UNKNOWN_DEVICE
    if isinstance(error, MalformedRequest):
        return DECODE_ERROR
    if isinstance(error, InvalidInput):
        return INVALID_FIX
    return error.slug.replace("-", "_")


def _unusual(
    scope: Scope, headers: dict[bytes, bytes], *, methods: frozenset[str], max_bytes: int
) -> str | None:
    """Why a request is not a plain one, that no middleware has anything to do for."""
    if b"idempotency-key" in headers:
        return IDEMPOTENCY_KEY
    if b"transfer-encoding" in headers:
        return CHUNKED
    length = headers.get(b"content-length", b"0")
    if not length.isdigit() or scope["method"] not in methods:
        return UNUSUAL
    return TOO_LARGE if int(length) > max_bytes else None


def _content_type(headers: dict[bytes, bytes]) -> str | None:
    found = headers.get(b"content-type")
    return None if found is None else found.decode("latin-1")


def _osmand_head(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    unusual = _unusual(scope, headers, methods=_OSMAND_METHODS, max_bytes=MAX_OSMAND_BODY_BYTES)
    if unusual is None and any(nul in scope["query_string"] for nul in _NUL_IN_QUERY):
        return NUL
    return unusual


def _native_head(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    max_bytes = scope["app"].state.settings.max_body_bytes
    unusual = _unusual(scope, headers, methods=frozenset({"POST"}), max_bytes=max_bytes)
    if unusual is None and (scope["query_string"] or not is_json_request(_content_type(headers))):
        return UNUSUAL
    return unusual


async def _osmand(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> Claim | str | None:
    if len(body) > MAX_OSMAND_BODY_BYTES:
        return TOO_LARGE
    if any(nul in body for nul in (*_NUL_IN_QUERY, *_NUL_IN_JSON)):
        return NUL
    state = scope["app"].state
    return await claim_osmand(
        QueryParams(scope["query_string"]),
        _content_type(headers),
        body,
        devices=state.ingestor.devices,
        max_future_s=state.settings.ingest_max_future_s,
        limiter=state.rate_limiter,
    )


def _verified[T](recent: RecentlyVerified[T], headers: dict[bytes, bytes]) -> T | None:
    """Who the bearer token belonged to when verified moments ago; None for the app to ask."""
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    return recent.get(token) if scheme.lower() == "bearer" and token else None


async def _native(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> Claim | str:
    """`POST /api/v1/fixes`: an API key, and a device registered in the key's organisation."""
    return await _batch(scope, body, _verified(scope["app"].state.verified_keys, headers))


async def _driver(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> Claim | str:
    """`POST /api/v1/driver/fixes`: a driver session, whose driver the fixes belong to."""
    return await _batch(scope, body, _verified(scope["app"].state.verified_drivers, headers))


async def _batch(
    scope: Scope, body: bytes, caller: Principal | DriverPrincipal | None
) -> Claim | str:
    if caller is None:
        return UNKNOWN_CREDENTIAL
    if any(nul in body for nul in _NUL_IN_JSON):
        return NUL
    state = scope["app"].state
    return await claim_native(
        parse_native(body),
        caller=caller,
        devices=state.ingestor.devices,
        max_future_s=state.settings.ingest_max_future_s,
    )


_WAYS: dict[str, _Way] = {
    OSMAND_PATH: _Way(_osmand_head, _osmand, lambda _: PlainTextResponse("")),
    NATIVE_PATH: _Way(_native_head, _native, JSONResponse),
    DRIVER_PATH: _Way(_native_head, _driver, JSONResponse),
}
