"""A minimal keep-alive HTTP/1.1 client on asyncio streams: cheap enough that one Python
process can load the server on the same 2-core machine without being the bottleneck."""

import asyncio
import contextlib
import json
from typing import Any


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> "Connection":
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.reader is None:
            await self.open()
        assert self.reader is not None
        assert self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        try:
            self.writer.write(request)
            status_line = await self.reader.readline()
        except ConnectionError:
            status_line = b""
        if not status_line:  # the server closed the idle keep-alive connection: send it again
            await self.open()
            assert self.reader is not None
            assert self.writer is not None
            self.writer.write(request)
            status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return status, payload

    async def post_json(self, path: str, data: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        body = json.dumps(data).encode()
        return await self.request(
            "POST", path, body=body, headers={**headers, "Content-Type": "application/json"}
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
