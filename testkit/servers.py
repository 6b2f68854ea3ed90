"""Run `lastmile serve` as a real process for end-to-end tests (crash, SSE, several processes)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

READY_TIMEOUT_S = 60.0
POLL_S = 0.02


def wait_until(condition: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(POLL_S)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def lastmile(*args: str, env: dict[str, str]) -> str:
    """Run the `lastmile` command and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "lastmile", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


class Server:
    def __init__(self, env: dict[str, str], *, workers: int = 1) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the process without waiting for it to serve."""
        self.log = Path(self.env["LASTMILE_DATA_DIR"]) / f"server-{self.port}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lastmile",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        """Wait until `/healthz` answers 200."""
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"server exited with {self.process.returncode}: {output}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server on {self.url} not ready after {READY_TIMEOUT_S} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, exactly like a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Worker:
    """`lastmile worker` as a real process: the outbox, the alert sweep, fix retention."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.log = Path(env["LASTMILE_DATA_DIR"]) / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._before = 0

    def _starts(self) -> int:
        """How many times an outbox loop said it started, in this log."""
        if not self.log.exists():
            return 0
        lines = self.log.read_text(errors="replace").splitlines()
        return sum(1 for line in lines if "outbox worker " in line and line.endswith(" started"))

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the process without waiting for its outbox loop."""
        self._before = self._starts()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lastmile", "worker"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        """Wait until its outbox loop runs."""
        process = self.process
        assert process is not None

        def running() -> bool:
            if process.poll() is not None:
                output = self.log.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"worker exited with {process.returncode}: {output}")
            return self._starts() > self._before

        wait_until(running, timeout_s=READY_TIMEOUT_S, what="the worker's outbox loop started")

    def kill(self) -> None:
        """SIGKILL, like a crash: a batch claimed and half sent stays claimed until its lease."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class HonourRetryAfter(httpx.BaseTransport):
    """What a well-behaved client does with `503` and `Retry-After`: a server on SQLite answers
    so when another process's write wins the race for the one write lock."""

    def __init__(self, attempts: int = 5) -> None:
        self.attempts = attempts
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.attempts - 1):
            response = self._inner.handle_request(request)
            if response.status_code != 503 or "retry-after" not in response.headers:
                return response
            response.read()
            response.close()
            time.sleep(min(5.0, float(response.headers["retry-after"])))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def server_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LASTMILE_")}
    env.update({"LASTMILE_DATA_DIR": str(data_dir), "LASTMILE_ENV": "test"})
    env["LASTMILE_WEBHOOK_ALLOW_PRIVATE"] = "true"  # merchant endpoints listen on 127.0.0.1
    if database_url:
        env["LASTMILE_DATABASE_URL"] = database_url
    return env


def create_org(env: dict[str, str]) -> dict[str, str]:
    created: dict[str, str] = json.loads(lastmile("org", "create", "E2E", "--json", env=env))
    return created
