"""The fleet stream pushes a stored fix to a dispatcher's open SSE connection."""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from testkit.browser import LiveServer
from testkit.servers import HonourRetryAfter, Server, create_org, server_env
from tests.common import make_org

from lastmile.auth.roles import Role
from lastmile.bus import MemoryBus
from lastmile.bus.base import fleet_channel
from lastmile.db import Database


def test_a_fix_reaches_an_open_fleet_stream(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    mine = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    theirs = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    server = Server(env)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
            driver = client.post(
                "/api/v1/drivers", headers=mine, json={"name": "S", "device_ids": ["sse-1"]}
            ).json()
            client.post("/api/v1/drivers", headers=theirs, json={"name": "T", "device_ids": ["x"]})
            at = (datetime.now(UTC) - timedelta(seconds=10)).replace(microsecond=0)
            with client.stream("GET", "/api/v1/stream/fleet", headers=mine) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.iter_lines()
                assert next(lines) == ": connected"
                stamp = int(at.timestamp())
                client.get(f"/ingest/osmand?id=x&lat=1&lon=1&timestamp={stamp}")
                client.get(f"/ingest/osmand?id=sse-1&lat=60.17&lon=24.94&timestamp={stamp}")
                event = data = None
                for line in lines:
                    if line.startswith("event: "):
                        event = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        data = json.loads(line.removeprefix("data: "))
                        break
        assert event == "position"
        assert data is not None
        assert data["driver_id"] == driver["id"]
        assert data["lat"] == 60.17
    finally:
        server.stop()


def test_the_stream_needs_credentials(tmp_path: Path) -> None:
    server = Server(server_env(tmp_path))
    server.start()
    try:
        assert httpx.get(f"{server.url}/api/v1/stream/fleet").status_code == 401
    finally:
        server.stop()


def test_a_closed_stream_lets_go_of_its_subscription(live_server: LiveServer) -> None:
    org = make_org(live_server.db, "Gone")
    channel = fleet_channel(org.org_id)
    bus: MemoryBus = live_server.app.state.bus
    with (
        httpx.Client(base_url=live_server.url, timeout=10) as client,
        client.stream("GET", "/api/v1/stream/fleet", headers=org.headers) as stream,
    ):
        lines = stream.iter_lines()  # dropping the iterator would close the connection
        assert next(lines) == ": connected"
        assert bus.subscriber_count(channel) == 1
    deadline = time.monotonic() + 10
    while bus.subscriber_count(channel) and time.monotonic() < deadline:
        live_server.publish(channel, {"type": "position", "driver_id": "d"})
    assert bus.subscriber_count(channel) == 0


def test_a_burst_reaches_the_stream_whole_and_in_order(live_server: LiveServer) -> None:
    org = make_org(live_server.db, "Burst")
    channel = fleet_channel(org.org_id)
    with (
        httpx.Client(base_url=live_server.url, timeout=30) as client,
        client.stream("GET", "/api/v1/stream/fleet", headers=org.headers) as stream,
    ):
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        for n in range(300):
            live_server.publish(channel, {"type": "position", "driver_id": "d", "n": n})
        events = []
        for line in lines:
            if line.startswith("event: "):
                events.append([line.removeprefix("event: ")])
            elif line.startswith("data: "):
                events[-1].append(json.loads(line.removeprefix("data: "))["n"])
                if len(events) == 300:
                    break
    assert events == [["position", n] for n in range(300)]


def test_only_staff_hear_the_chat_on_the_fleet_stream(client: TestClient, db: Database) -> None:
    driver_key = make_org(db, "Driver key", role=Role.DRIVER)

    refused = client.get("/api/v1/stream/fleet?chat=true", headers=driver_key.headers)

    assert refused.status_code == 403
    assert "admin or dispatcher" in refused.json()["detail"]
