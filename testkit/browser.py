"""Real headless Chromium (Debian's binary, driven by Playwright) against a live server.

Loaded as a plugin by tests/conftest.py: ask for `browser` and `live_server` in any test.
`live_server` runs the real app under uvicorn in a thread, on its own SQLite file, and hands the
test its `Database` for seeding and for checking the server state afterwards.
"""

import asyncio
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright

from lastmile.app import create_app
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.db.migrate import upgrade
from testkit.servers import free_port
from testkit.services import service_unavailable

CHROMIUM = os.environ.get("LASTMILE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@dataclass(frozen=True)
class LiveServer:
    url: str
    db: Database
    settings: Settings
    app: FastAPI
    loop: asyncio.AbstractEventLoop

    def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Publish on the server's own bus, from the test's thread."""
        future = asyncio.run_coroutine_threadsafe(
            self.app.state.bus.publish(channel, data), self.loop
        )
        future.result(timeout=10)


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        """The test process keeps its own signal handlers."""


@contextmanager
def serve(folder: Path) -> Iterator[LiveServer]:
    """The app served over real HTTP on 127.0.0.1, with a fresh SQLite database in `folder`."""
    port = free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=folder,
        public_url=f"http://127.0.0.1:{port}",
        port=port,
        run_workers=False,
    )
    database = Database.from_url(settings.resolved_database_url)
    upgrade(database.engine)
    app = create_app(settings, database=database)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,  # event streams a page left open never finish on their own
    )
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    loop = server.servers[0].get_loop()
    try:
        yield LiveServer(settings.public_url, database, settings, app, loop)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        database.engine.dispose()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    with serve(tmp_path) as server:
        yield server


def sign_in(page: Page, url: str, *, email: str, password: str) -> None:
    """Sign in to the Control Tower and wait for its live stream."""
    page.goto(f"{url}/control-tower")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("body[data-live='1']", timeout=60_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module: Playwright's sync API keeps an event loop running
    in this thread while it lives, which would break `asyncio.run` in later tests."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        service_unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot of a screen under docs/screenshots/ (shown in the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def wait_until(page: Page, predicate: str, arg: Any = None, *, timeout_ms: int = 15_000) -> Any:
    """Wait until `predicate`, a JavaScript function of `arg`, returns something truthy in the
    page, and return it.

    `page.wait_for_function` builds its predicate with `eval`, which the pages' CSP refuses;
    this hands the function to the page through the DevTools protocol, which CSP does not
    govern, and checks it again every 50 ms until `timeout_ms`.
    """
    waiter = f"""async (arg) => {{
        const predicate = {predicate};
        const end = performance.now() + {timeout_ms};
        for (;;) {{
            const value = await predicate(arg);
            if (value) return value;
            if (performance.now() > end) throw new Error({json.dumps("timed out: " + predicate)});
            await new Promise((resolve) => setTimeout(resolve, 50));
        }}
    }}"""
    return page.evaluate(waiter, arg)
