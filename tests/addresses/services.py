"""A geocoding service on a real local HTTP server, answering recorded payloads (or a 429,
or nothing at all until the test ends) and noting every request."""

import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDED = Path(__file__).parent / "recorded"


@dataclass(frozen=True)
class Asked:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=dict)


def recorded(name: str) -> Reply:
    return Reply(body=(RECORDED / name).read_bytes())


@dataclass
class Service:
    answer: Callable[[Asked], Reply]
    asked: list[Asked] = field(default_factory=list)
    hang: threading.Event | None = None
    """Set: every request waits for it before answering (a service that times out)."""
    url: str = ""


def _handler(service: Service) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            asked = Asked(
                parts.path,
                dict(urllib.parse.parse_qsl(parts.query)),
                {k.lower(): v for k, v in self.headers.items()},
            )
            service.asked.append(asked)
            if service.hang is not None:
                service.hang.wait()
            reply = service.answer(asked)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: what the timeout test wants

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def serve(service: Service) -> Iterator[Service]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    server.daemon_threads = True
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        if service.hang is not None:
            service.hang.set()
        server.shutdown()
        server.server_close()
        thread.join()
