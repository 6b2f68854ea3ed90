"""Traccar's dedicated-port convention: every request on the OsmAnd port is an OsmAnd fix.

Traccar Client is usually pointed at `http://server:5055/?id=…`; this wrapper sends any
path on that port to `/ingest/osmand` of the main app, so one process serves both ports.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

OSMAND_PATH = "/ingest/osmand"


class OsmAndPort:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": OSMAND_PATH, "raw_path": OSMAND_PATH.encode()}
        await self.app(scope, receive, send)
