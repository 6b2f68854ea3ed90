"""Refuse NUL characters in text: PostgreSQL cannot store them, SQLite would keep them silently."""

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.api.problems import error_response
from lastmile.errors import InvalidInput

MESSAGE = "contains a NUL character (\\u0000), which text may not hold"


def nul_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL character, else None.

    >>> nul_path({"recipient": {"name": "a\\x00b"}})
    'recipient.name'
    >>> nul_path({"items": [{"x": 1}, {"note": "\\x00"}]})
    'items[1].note'
    >>> nul_path({"fine": "text"}) is None
    True
    """
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            found = nul_path(item, child)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _is_multipart(scope: Scope) -> bool:
    """Uploads carry binary files, where a NUL byte is data; their text fields are parsed
    by the handler's own schema."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bool(value.lower().startswith(b"multipart/form-data"))
    return False


class RefuseNulMiddleware:
    """422 naming the field when a query parameter or a JSON string carries a NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if "\x00" in name or "\x00" in value:
                    await self._refuse(scope, receive, send, name.replace("\x00", ""))
                    return
        if scope["method"] not in ("POST", "PUT", "PATCH") or _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if b"\\u0000" in body or b"\x00" in body:
            try:
                field = nul_path(json.loads(body))
            except (ValueError, UnicodeDecodeError):
                field = "body" if b"\x00" in body else None
            if field is not None:
                await self._refuse(scope, receive, send, field)
                return
        await self.app(scope, replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, field: str) -> None:
        error = InvalidInput(field, MESSAGE)
        await error_response(error, instance=scope["path"])(scope, receive, send)
