"""`lastmile demo` as a newcomer runs it: links printed, a fleet moving in the driver app, a
clean second start with the same credentials."""

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from testkit.servers import HonourRetryAfter, free_port, server_env

from lastmile.geo import haversine_m

HELSINKI = ZoneInfo("Europe/Helsinki")
STARTUP_S = 120.0
LIVE_WITHIN_S = 120.0
"""At the default (real-time) speed the demo opens on a day under way: vans on the road."""
DRIVEN_M = 300.0
"""Farther than GPS noise moves a parked phone."""


@dataclass
class Demo:
    url: str
    api_key: str
    sign_in: tuple[str, str]
    driver_app: str | None
    driver_note: str | None
    organisation: str
    tracking_links: list[str]
    next_date: bool
    """Set up too late in the evening: the next date's day, no van out before 00:02."""


def _read_announcement(lines: "queue.Queue[str | None]") -> Demo:
    fields: dict[str, str] = {}
    links: list[str] = []
    note: str | None = None
    next_date = False
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline and (len(links) < 3 or "API key" not in fields):
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        text = line.strip()
        if text.startswith("http") and "/t/" in text:
            links.append(text)
        elif text.startswith("Signs you in as"):
            note = text
        elif text.startswith("The next date's day"):
            next_date = True
        elif ":" in text:
            name, _, value = text.partition(":")
            fields[name.strip()] = value.strip()
    assert len(links) == 3, f"no tracking links announced; saw {fields}"
    assert "API key" in fields
    return Demo(
        url=fields["Control Tower"].removesuffix("/control-tower"),
        api_key=fields["API key"],
        sign_in=tuple(part.strip() for part in fields["Sign in"].split(" / ", 1)),  # type: ignore[arg-type]
        driver_app=fields.get("Driver app"),
        driver_note=note,
        organisation=fields["Organisation"],
        tracking_links=links,
        next_date=next_date,
    )


@contextmanager
def _demo(env: dict[str, str], port: int, *flags: str) -> Iterator[Demo]:
    command = [sys.executable, "-m", "lastmile", "demo", "--no-map", "--port", str(port), *flags]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        yield _read_announcement(lines)
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=30)
        assert process.stdout is not None
        process.stdout.close()


def _positions(client: httpx.Client) -> dict[str, tuple[float, float]]:
    answer = client.get("/api/v1/fleet/positions")
    assert answer.status_code == 200, answer.text
    return {p["driver_id"]: (p["lat"], p["lon"]) for p in answer.json()}


@pytest.mark.slow
def test_the_demo_shows_a_moving_fleet_and_starts_again_cleanly(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    port = free_port()
    today = datetime.now(HELSINKI).date()
    with _demo(env, port, "--drivers", "3") as demo:
        headers = {"Authorization": f"Bearer {demo.api_key}"}
        with httpx.Client(
            base_url=demo.url, headers=headers, timeout=10, transport=HonourRetryAfter()
        ) as client:
            email, password = demo.sign_in
            signed_in = client.post("/auth/login", json={"email": email, "password": password})
            assert signed_in.status_code == 200, signed_in.text
            assert client.get("/control-tower").status_code == 200
            for link in demo.tracking_links:
                assert client.get(link).status_code == 200
            assert demo.driver_app is not None, "no driver app sign-in announced"
            assert demo.driver_note is not None
            assert "whom the simulator also drives" in demo.driver_note
            page, _, token = demo.driver_app.partition("#link=")
            assert client.get(page).status_code == 200
            driver = client.post("/api/v1/driver/session/link", json={"token": token})
            assert driver.status_code == 201, driver.text
            if demo.next_date:  # 22:45-00:02 at the hub: the vans leave after midnight
                _assert_waiting_for_midnight(client, today + timedelta(days=1))
            else:
                _assert_driving(client)
    with _demo(env, port, "--drivers", "0") as again:
        assert again.organisation == demo.organisation
        assert (again.api_key, again.sign_in) == (demo.api_key, demo.sign_in)
        with httpx.Client(base_url=again.url, timeout=10) as client:
            old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {demo.api_key}"})
            assert old.status_code == 200
            assert client.get(again.tracking_links[0]).status_code == 200


def _assert_waiting_for_midnight(client: httpx.Client, day: date) -> None:
    assert _positions(client) == {}
    assert {r["date"] for r in client.get("/api/v1/routes").json()} == {day.isoformat()}


def _assert_driving(client: httpx.Client) -> None:
    deadline = time.monotonic() + LIVE_WITHIN_S
    first = _positions(client)
    while not first and time.monotonic() < deadline:
        first = _positions(client)
    assert first, "no driver reported a position"
    moved = False
    while not moved and time.monotonic() < deadline:
        now = _positions(client)
        moved = any(haversine_m(*now[d], *at) > DRIVEN_M for d, at in first.items())
    assert moved, "no driver drove anywhere"
    drivers = client.get("/api/v1/drivers").json()
    assert any(d["on_shift"] for d in drivers), "no simulated driver on shift"
