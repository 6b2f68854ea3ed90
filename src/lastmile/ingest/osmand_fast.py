"""A short way in for OsmAnd fixes: Traccar Client sends one request per fix.

Through the whole app (middleware, routing, FastAPI's request handling) a single-fix request
cost as much again as storing its fix. `OsmAndFastPath` takes a plain, well-formed OsmAnd
request straight to the ingestor and hands anything else to the app unchanged.
"""

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.api.problems import problem_for
from lastmile.db import utcnow
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.osmand_port import OSMAND_PATH
from lastmile.ingest.protocols.osmand import decode_osmand_request, is_json_request
from lastmile.types import Fix

MAX_BODY_BYTES = 8192
_METHODS = {"GET", "POST", "PUT"}


class OsmAndFastPath:
    """Serve an OsmAnd request that the app's middleware would have nothing to do for.

    Taken: GET, POST or PUT on the OsmAnd path, a query string or form body (not JSON) of at
    most `MAX_BODY_BYTES`, no `Idempotency-Key`, no NUL anywhere. Its fix is decoded and its
    device looked up first: if either fails, nothing has been stored and the request goes on
    to the app with its body replayed, so every error is answered by the app's own endpoint.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _plain_osmand(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        ready = await _decoded(scope, body)
        if ready is None:
            await self.app(scope, replay(body, receive), send)
            return
        fixes, owner = ready
        try:
            await scope["app"].state.ingestor.ingest(fixes, owner=owner)
        except Exception as error:
            await problem_for(Request(scope), error)(scope, receive, send)
            return
        await PlainTextResponse("")(scope, receive, send)


def _plain_osmand(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["path"] != OSMAND_PATH or scope["method"] not in _METHODS:
        return False
    if b"\x00" in scope["query_string"] or b"%00" in scope["query_string"]:
        return False
    headers = dict(scope["headers"])
    if b"idempotency-key" in headers or b"transfer-encoding" in headers:
        return False
    if is_json_request(headers.get(b"content-type", b"").decode("latin-1")):
        return False
    length = headers.get(b"content-length", b"0")
    return length.isdigit() and int(length) <= MAX_BODY_BYTES


async def _decoded(scope: Scope, body: bytes) -> tuple[list[Fix], DeviceOwner] | None:
    """The request's fixes and their device's owner; None to leave the request to the app."""
    if b"\x00" in body or b"%00" in body or len(body) > MAX_BODY_BYTES:
        return None
    state = scope["app"].state
    params = QueryParams(scope["query_string"])
    try:
        fixes = decode_osmand_request(
            params, None, body, now=utcnow(), max_future_s=state.settings.ingest_max_future_s
        )
        owner = await state.ingestor.devices.owner(fixes[0].device_id)
    except Exception:
        return None
    return fixes, owner
