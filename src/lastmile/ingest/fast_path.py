"""A short way in for the phones' fixes: Traccar Client (OsmAnd) and our driver app.

Through the whole app (middleware, routing, FastAPI's dependency solving and validation) a
request carrying one fix cost as much again as storing it, and a fleet sends one such request
per phone every few seconds. `FixFastPath` takes a plain, well-formed fix request straight to
the ingestor and hands anything else to the app unchanged.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.api.problems import problem_for
from lastmile.db import utcnow
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.osmand_port import OSMAND_PATH
from lastmile.ingest.pipeline import IngestResult
from lastmile.ingest.protocols.native import decode_native
from lastmile.ingest.protocols.osmand import decode_osmand_request, is_json_request
from lastmile.types import Fix

NATIVE_PATH = "/api/v1/fixes"
MAX_OSMAND_BODY_BYTES = 8192
_OSMAND_METHODS = {"GET", "POST", "PUT"}
_NUL_IN_QUERY = (b"\x00", b"%00")
_NUL_IN_JSON = (b"\x00", b"\\u0000")


@dataclass(frozen=True, slots=True)
class _Ready:
    fixes: list[Fix]
    owner: DeviceOwner
    answer: Callable[[IngestResult], Response]


_Decoder = Callable[[Scope, dict[bytes, bytes], bytes], Awaitable[_Ready | None]]


class FixFastPath:
    """Serve a fix request that the app's middleware would have nothing to do for.

    Taken: an OsmAnd request (GET, POST or PUT, query string or form body, not JSON, at most
    `MAX_OSMAND_BODY_BYTES`) or a native batch (`POST /api/v1/fixes`, JSON, within the body
    limit, with an API key verified moments ago); never one with an `Idempotency-Key`, a
    chunked body or a NUL. Its fixes are decoded, its caller and its device checked first: if
    anything fails, nothing has been stored and the request goes on to the app with its body
    replayed, so every error is answered by the app's own endpoint.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        taken = _taken(scope)
        if taken is None:
            await self.app(scope, receive, send)
            return
        decoder, headers = taken
        body = await read_body(receive)
        ready = await decoder(scope, headers, body)
        if ready is None:
            await self.app(scope, replay(body, receive), send)
            return
        try:
            result = await scope["app"].state.ingestor.ingest(ready.fixes, owner=ready.owner)
        except Exception as error:
            await problem_for(Request(scope), error)(scope, receive, send)
            return
        await ready.answer(result)(scope, receive, send)


def _taken(scope: Scope) -> tuple[_Decoder, dict[bytes, bytes]] | None:
    """The short way this request may take and its headers, judged by its head alone; None
    for the app. Only the phones' paths pay for reading the headers."""
    route = _ROUTES.get(scope["path"]) if scope["type"] == "http" else None
    if route is None:
        return None
    headers = dict(scope["headers"])
    decoder = route(scope, headers)
    return None if decoder is None else (decoder, headers)


def _plain(headers: dict[bytes, bytes]) -> int | None:
    """The declared body length of a request no middleware has anything to do for, else None."""
    if b"idempotency-key" in headers or b"transfer-encoding" in headers:
        return None
    length = headers.get(b"content-length", b"0")
    return int(length) if length.isdigit() else None


def _is_json(headers: dict[bytes, bytes]) -> bool:
    return is_json_request(headers.get(b"content-type", b"").decode("latin-1"))


def _osmand_route(scope: Scope, headers: dict[bytes, bytes]) -> _Decoder | None:
    length = _plain(headers)
    if length is None or length > MAX_OSMAND_BODY_BYTES or scope["method"] not in _OSMAND_METHODS:
        return None
    if any(nul in scope["query_string"] for nul in _NUL_IN_QUERY) or _is_json(headers):
        return None
    return _osmand


def _native_route(scope: Scope, headers: dict[bytes, bytes]) -> _Decoder | None:
    length = _plain(headers)
    if length is None or length > scope["app"].state.settings.max_body_bytes:
        return None
    if scope["method"] != "POST" or scope["query_string"] or not _is_json(headers):
        return None
    return _native


async def _osmand(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> _Ready | None:
    if any(nul in body for nul in _NUL_IN_QUERY) or len(body) > MAX_OSMAND_BODY_BYTES:
        return None
    state = scope["app"].state
    try:
        fixes = decode_osmand_request(
            QueryParams(scope["query_string"]),
            None,
            body,
            now=utcnow(),
            max_future_s=state.settings.ingest_max_future_s,
        )
        owner = await state.ingestor.devices.owner(fixes[0].device_id)
    except Exception:
        return None
    return _Ready(fixes, owner, lambda _: PlainTextResponse(""))


async def _native(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> _Ready | None:
    state = scope["app"].state
    scheme, _, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not key:
        return None
    principal = state.verified_keys.get(key)
    if principal is None or any(nul in body for nul in _NUL_IN_JSON):
        return None
    try:
        fixes = decode_native(body, now=utcnow(), max_future_s=state.settings.ingest_max_future_s)
        owner = await state.ingestor.devices.owner(fixes[0].device_id)
    except Exception:
        return None
    if owner.org_id != principal.org_id:
        return None
    return _Ready(fixes, owner, lambda result: JSONResponse(result.as_dict()))


_ROUTES: dict[str, Callable[[Scope, dict[bytes, bytes]], _Decoder | None]] = {
    OSMAND_PATH: _osmand_route,
    NATIVE_PATH: _native_route,
}
