"""The headers every HTML page carries: a Content-Security-Policy without inline scripts that
forbids framing, no MIME sniffing, and a referrer kept within the site."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lastmile.config import Settings


def page_csp(settings: Settings) -> str:
    """Our scripts and styles only; map tiles from the configured server; no framing."""
    images = "'self' data: blob: https:"
    if settings.map_tile_url.startswith("http://"):
        images += " " + "/".join(settings.map_tile_url.split("/")[:3])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
        "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # `frame-ancestors 'none'` for browsers that predate it
}
"""Beside the CSP, on every HTML response; a page may name a stricter referrer policy."""


class PageSecurityMiddleware:
    """Give every HTML response the page headers it does not name itself (its own CSP wins),
    and every response `nosniff`: a JSON or text body is never run as a script or a page."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.csp = page_csp(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.csp)
                    for name, value in PAGE_HEADERS.items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
