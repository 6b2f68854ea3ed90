"""A bug in one request answers a clean 500 problem and leaves the connection to the next one."""

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI


class Bug(Exception):
    """What a handler raises when the code is wrong: no handler knows it."""


@pytest.fixture
def serving(app: FastAPI) -> Iterator[socket.socket]:
    """The app in a real uvicorn on a socket already listening (so no start-up to wait for);
    the yielded client socket is connected to it."""

    @app.get("/bug", include_in_schema=False)
    def bug() -> None:
        raise Bug("the code is wrong")

    listener = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="info"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def _exchange(client: socket.socket, path: str, accept: str = "application/json") -> bytes:
    """One HTTP/1.1 request on the kept-alive connection, and its whole answer."""
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nAccept: {accept}\r\n\r\n".encode("ascii"))
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = client.recv(65536)
        assert chunk, f"the server closed the connection; it had sent {answer!r}"
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = client.recv(65536)
        assert chunk, "the server closed the connection mid-answer"
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_bug_answers_500_problem_and_the_connection_serves_the_next_request(
    serving: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        failed = _exchange(serving, "/bug")
        assert failed.startswith(b"HTTP/1.1 500 ")
        assert b"content-type: application/problem+json" in failed.lower()
        assert b'"status":500' in failed
        assert b"Bug" not in failed.partition(b"\r\n\r\n")[2]  # the trace is for the log only

        page = _exchange(serving, "/bug", accept="text/html")
        assert page.startswith(b"HTTP/1.1 500 ")
        assert b"content-security-policy:" in page.lower()

        after = _exchange(serving, "/api/v1/no-such-thing")
        assert after.startswith(b"HTTP/1.1 404 ")

    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is Bug]
    assert len(logged) == 2  # once per failed request, with its traceback
    assert not any("Exception in ASGI application" in r.getMessage() for r in caplog.records)
