"""Real local HTTP servers the notify tests send to: a merchant endpoint and an SMS provider."""

import base64
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lastmile.notify.channels.webhook import SIGNATURE_HEADER, verify


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    raw: bytes = b""
    """The body's bytes (a push service gets encrypted, not text)."""


@dataclass
class Recorder:
    """Requests in arrival order; `answer` picks the status code for each one."""

    answer: Callable[["Recorder", Received], int] = lambda recorder, request: 200
    requests: list[Received] = field(default_factory=list)
    reply_body: Callable[[Received], bytes] = lambda request: b"{}"
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)
    url: str = ""

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Received]:
        """Block until `count` requests arrived (or fail after the deadline)."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.requests)} requests arrived, expected {count}")
                self.changed.wait(left)
            return list(self.requests)


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            request = Received(
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                raw.decode(errors="replace"),
                raw,
            )
            with recorder.changed:
                recorder.requests.append(request)
                recorder.changed.notify_all()
            status = recorder.answer(recorder, request)
            payload = recorder.reply_body(request)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender died or gave up waiting: exactly what some tests do

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def serve(recorder: Recorder, tls: ssl.SSLContext | None = None) -> Iterator[Recorder]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    recorder.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def signature_ok(request: Received, secret: str) -> bool:
    """What a merchant does with each webhook."""
    return verify(secret, request.headers[SIGNATURE_HEADER.lower()], request.body, now=time.time())


def basic_auth(request: Received) -> tuple[str, str]:
    scheme, _, encoded = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    user, _, password = base64.b64decode(encoded).decode().partition(":")
    return user, password


def form(request: Received) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.body))
