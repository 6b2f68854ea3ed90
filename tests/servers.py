"""Run `lastmile serve` as a real process for end-to-end tests (crash, SSE, several processes)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

READY_TIMEOUT_S = 60.0


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
