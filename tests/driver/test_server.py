"""The driver app against a real server process: live chat both ways, route changes on the
same stream, and every acknowledged action survives `kill -9` and answers a replay after the
restart."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from testkit.databases import postgres_schema_url
from testkit.servers import HonourRetryAfter, Server, create_org, server_env
from tests.common import OrgHandle
from tests.conftest import POSTGRES_URL, require_postgres
from tests.driver_app import DriverDay, add_stop, image_bytes, make_driver_day, sign_in

from lastmile.db import Database
from lastmile.db.engine import make_engine
from lastmile.dispatch.models import RouteStop, StopStatus
from lastmile.payments.models import CashLedgerEntry, CodPayment
from lastmile.pod.blobs import FileBlobStore
from lastmile.pod.models import Proof


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lastmile.db'}"
        return
    require_postgres()
    with postgres_schema_url(POSTGRES_URL) as url:
        yield url


def _next_named(lines: Iterator[str]) -> tuple[str, dict[str, object]]:
    """The name and data of the next event (comments skipped)."""
    event = "message"
    for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data: dict[str, object] = json.loads(line.removeprefix("data: "))
            return event, data
    raise AssertionError("the stream ended without an event")


def _next_event(lines: Iterator[str]) -> dict[str, object]:
    """The data of the next `message` event (the server sends one comment first)."""
    while True:
        event, data = _next_named(lines)
        if event == "message":
            return data


def _day(
    server: Server,
    env: dict[str, str],
    database_url: str,
    org: OrgHandle | None = None,
    *,
    phone: str = "+358401112223",
    plate: str = "DRV-1",
) -> tuple[OrgHandle, DriverDay]:
    """A signed-in driver on their started route, in `org` or a new organisation."""
    if org is None:
        created = create_org(env)
        org = OrgHandle(uuid.UUID(created["org_id"]), created["api_key"])
    engine = make_engine(database_url)
    try:
        with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
            day = sign_in(
                client, make_driver_day(client, Database(engine), org, phone=phone, plate=plate)
            )
            started = client.post(
                "/api/v1/driver/route/start", json=day.action(), headers=day.headers
            )
            assert started.status_code == 200, started.text
    finally:
        engine.dispose()
    return org, day


def test_chat_reaches_the_other_side_live(tmp_path: Path, database_url: str) -> None:
    env = server_env(tmp_path, database_url)
    server = Server(env)
    server.start()
    try:
        org, day = _day(server, env, database_url)
        with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
            # The chat stream, and the Control Tower's one stream (the fleet's, with the chat).
            for path in ("/api/v1/stream/chat", "/api/v1/stream/fleet?chat=true"):
                with client.stream("GET", path, headers=org.headers) as staff:
                    lines = staff.iter_lines()
                    assert next(lines) == ": connected"
                    sent = client.post(
                        "/api/v1/driver/messages",
                        json=day.action(body=f"Stuck in traffic ({path})"),
                        headers=day.headers,
                    )
                    assert sent.status_code == 201, sent.text
                    got = _next_event(lines)
                assert got["body"] == f"Stuck in traffic ({path})"
                assert got["sender"] == "driver"
                assert got["driver_id"] == day.driver_id
            stream = "/api/v1/driver/messages/stream"
            with client.stream("GET", stream, headers=day.headers) as mine:
                lines = mine.iter_lines()
                assert next(lines) == ": connected"
                reply = client.post(
                    f"/api/v1/drivers/{day.driver_id}/messages",
                    json={"body": "OK, thanks"},
                    headers=org.headers,
                )
                assert reply.status_code == 201, reply.text
                got = _next_event(lines)
            assert got["body"] == "OK, thanks"
            assert got["sender"] == "dispatcher"
            assert got["author"] == "Dispatch"  # an integration's key, not "api-key:<name>"
            thread = client.get("/api/v1/driver/messages", headers=day.headers).json()
            assert [m["body"] for m in thread] == [
                "Stuck in traffic (/api/v1/stream/chat)",
                "Stuck in traffic (/api/v1/stream/fleet?chat=true)",
                "OK, thanks",
            ]
    finally:
        server.stop()


def test_a_dispatchers_route_edit_reaches_only_that_drivers_open_app(
    tmp_path: Path, database_url: str
) -> None:
    env = server_env(tmp_path, database_url)
    server = Server(env)
    server.start()
    try:
        org, mine = _day(server, env, database_url)
        _, colleague = _day(server, env, database_url, org, phone="+358401112224", plate="DRV-2")
        _, elsewhere = _day(server, env, database_url, phone="+358401112225", plate="DRV-3")
        stream = "/api/v1/driver/messages/stream"
        with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
            with (
                client.stream("GET", stream, headers=mine.headers) as app,
                client.stream("GET", stream, headers=colleague.headers) as other,
                client.stream("GET", stream, headers=elsewhere.headers) as far,
            ):
                streams = [s.iter_lines() for s in (app, other, far)]
                assert [next(lines) for lines in streams] == [": connected"] * 3
                changed = ("route_changed", {"type": "route_changed", "driver_id": mine.driver_id})
                add_stop(client, org, mine)
                assert _next_named(streams[0]) == changed
                cancelled = client.post(
                    f"/api/v1/shipments/{mine.tracking_numbers[1]}/cancel",
                    json={"reason": "Customer moved"},
                    headers=org.headers,
                )
                assert cancelled.status_code == 200, cancelled.text
                assert _next_named(streams[0]) == changed
                # Anything the edit sent the others would come before their own message,
                # sent after it: that message must come first.
                for day, lines in zip((colleague, elsewhere), streams[1:], strict=True):
                    said = client.post(
                        "/api/v1/driver/messages",
                        json=day.action(body="Checking in"),
                        headers=day.headers,
                    )
                    assert said.status_code == 201, said.text
                    event, data = _next_named(lines)
                    assert (event, data["body"]) == ("message", "Checking in"), data
            route = client.get("/api/v1/driver/route", headers=mine.headers)
            assert route.status_code == 200, route.text
            assert len(route.json()["stops"]) == 4
    finally:
        server.stop()


@pytest.mark.slow
def test_acknowledged_driver_actions_survive_kill_9(tmp_path: Path, database_url: str) -> None:
    env = server_env(tmp_path, database_url)
    server = Server(env)
    server.start()
    try:
        _, day = _day(server, env, database_url)
        payment = day.action(amount="49.90", currency="EUR", method="cash")
        with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
            h = day.headers
            arrived = client.post(
                f"/api/v1/driver/stops/{day.stop_ids[0]}/arrive", json=day.action(), headers=h
            )
            assert arrived.status_code == 200, arrived.text
            photo = client.post(
                f"/api/v1/driver/stops/{day.stop_ids[0]}/images",
                data={"action": json.dumps(day.action())},
                files={"file": ("p.jpg", image_bytes(), "image/jpeg")},
                headers=h,
            )
            assert photo.status_code == 201, photo.text
            paid = client.post(
                f"/api/v1/driver/stops/{day.stop_ids[1]}/payment", json=payment, headers=h
            )
            assert paid.status_code == 201, paid.text
        server.kill()

        engine = make_engine(database_url)
        try:
            with Database(engine).session() as session:
                stop = session.get(RouteStop, uuid.UUID(day.stop_ids[0]))
                assert stop is not None
                assert stop.status is StopStatus.ARRIVED
                proof = session.scalar(select(Proof))
                assert proof is not None
                assert proof.blob_key is not None
                blob = FileBlobStore(tmp_path / "blobs").get(proof.blob_key)
                assert blob == image_bytes()
                assert session.scalar(select(func.count()).select_from(CodPayment)) == 1
        finally:
            engine.dispose()

        server = Server(env)
        server.start()
        with httpx.Client(base_url=server.url, timeout=10, transport=HonourRetryAfter()) as client:
            again = client.post(
                f"/api/v1/driver/stops/{day.stop_ids[1]}/payment", json=payment, headers=day.headers
            )
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == paid.json()
        engine = make_engine(database_url)
        try:
            with Database(engine).session() as session:
                count = select(func.count()).select_from(CashLedgerEntry)
                assert session.scalar(count) == 1
        finally:
            engine.dispose()
    finally:
        server.stop()
