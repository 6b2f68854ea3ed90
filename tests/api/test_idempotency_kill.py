"""`kill -9` of the server while a request with an `Idempotency-Key` runs, before it commits:
the resend with the same key runs again once the dead process's lease has run out, instead of
answering 409 "still being processed" for the key's whole lifetime (24 h)."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from testkit.bodies import hub_body, shipment_body
from testkit.servers import Server, create_org, server_env, wait_until

from lastmile.api.idempotency import IdempotencyRecord
from lastmile.db.engine import make_engine
from lastmile.dispatch.models import Plan

pytestmark = pytest.mark.slow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SOLVE_S = 4.0
"""The plan's solving time: the request is in flight, nothing committed, for this long."""


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'lastmile.db'}")
    yield made
    made.dispose()


def _plan_request(client: httpx.Client) -> dict[str, Any]:
    """What a planning request needs: a hub open today, a shipment, a driver, a van."""
    today = datetime.now(UTC)
    hours = {WEEKDAYS[today.weekday()]: [["00:00", "23:59"]]}
    hub = client.post("/api/v1/hubs", json=hub_body(timezone="UTC", opening_hours=hours))
    assert hub.status_code == 201, hub.text
    start = today.replace(hour=0, minute=30, second=0, microsecond=0)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=23)).isoformat()}
    shipment = client.post(
        "/api/v1/shipments",
        json=shipment_body(
            hub_id=hub.json()["id"],
            address={"text": "Somewhere", "lat": 60.1750, "lon": 24.9450},
            window=window,
        ),
    )
    assert shipment.status_code == 201, shipment.text
    driver = client.post("/api/v1/drivers", json={"name": "Kill Test", "device_ids": []})
    van = client.post("/api/v1/vehicles", json={"plate": "VAN-9"})
    assert driver.status_code == van.status_code == 201, (driver.text, van.text)
    return {
        "hub_id": hub.json()["id"],
        "date": today.date().isoformat(),
        "driver_ids": [driver.json()["id"]],
        "vehicle_ids": [van.json()["id"]],
        "time_limit_s": SOLVE_S,
    }


def _records(engine: Engine) -> list[tuple[int | None, bool]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(IdempotencyRecord.status_code, IdempotencyRecord.applied)
        ).all()
        return [(status, applied) for status, applied in rows]


def _plans(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Plan)) or 0


def test_a_request_killed_before_committing_runs_again_on_resend(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    engine = sqlite_engine
    env = server_env(tmp_path, str(engine.url))
    env["LASTMILE_IDEMPOTENCY_LEASE_S"] = "1"
    server = Server(env)
    server.start()
    try:
        org = create_org(env)
        auth = {"Authorization": f"Bearer {org['api_key']}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
            body = _plan_request(client)
            headers = {"Idempotency-Key": "plan-of-the-day"}

            unanswered: list[bool] = []

            def first_try() -> None:
                try:
                    client.post("/api/v1/plans", json=body, headers=headers)
                except httpx.TransportError:
                    unanswered.append(True)

            sender = threading.Thread(target=first_try)
            sender.start()
            wait_until(
                lambda: bool(_records(engine)), timeout_s=30, what="the key claimed by the server"
            )
            server.kill()
            sender.join(timeout=30)
            assert unanswered == [True]
            assert _records(engine) == [(None, False)], "killed while solving, nothing committed"
            assert _plans(engine) == 0

            server.spawn()
            server.wait_ready()
            answers: list[httpx.Response] = []

            def resent() -> bool:
                answers.append(client.post("/api/v1/plans", json=body, headers=headers))
                return answers[-1].status_code != 409

            wait_until(resent, timeout_s=60, what="the resend no longer held off by the dead claim")
            assert {a.status_code for a in answers[:-1]} <= {409}
            assert all("still being processed" in a.text for a in answers[:-1])
            ran = answers[-1]
            assert ran.status_code == 201, ran.text
            assert "idempotent-replayed" not in ran.headers

            replayed = client.post("/api/v1/plans", json=body, headers=headers)
            assert replayed.headers["idempotent-replayed"] == "true"
            assert replayed.json()["id"] == ran.json()["id"]
        assert _plans(engine) == 1
        assert _records(engine) == [(201, True)]
    finally:
        server.stop()
