"""`lastmile demo` run again: the same organisation, credentials, crew and day; a day that is
over is replaced, nothing of it left in progress."""

import stat
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from testkit.servers import Server, server_env

from lastmile.cli import _database
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.demo import CREDENTIALS_FILE, DemoCredentials, seed
from lastmile.demo_day import DemoDay, open_day, write_day
from lastmile.demo_live import DemoFleet, plan_day


def _noon_somewhere() -> str:
    """A fixed-offset zone where it is around noon now: the day fits its date at any hour."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


FLEET = DemoFleet(
    drivers=2, stops_per_driver=3, shift_hours=2.0, plan_seconds=1.0, timezone=_noon_somewhere()
)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Database, Server]]:
    database = _database(Settings(env="test", data_dir=tmp_path))
    server = Server(server_env(tmp_path))
    server.start()
    try:
        yield database, server
    finally:
        server.stop()
        database.engine.dispose()


def _open(
    database: Database, data_dir: Path, *, fresh: bool = False
) -> tuple[DemoCredentials, DemoDay | None, int]:
    """What `lastmile demo` does before serving: seed, then resume or replace the day."""
    with database.session() as session:
        creds = seed(session=session, data_dir=data_dir, fresh=fresh, shipment_count=0)
        resume, removed = open_day(
            session=session,
            org_id=uuid.UUID(creds.org_id),
            data_dir=data_dir,
            fleet=FLEET.identity,
            hub_code=FLEET.hub_code,
            now_s=time.time(),
        )
        session.commit()
    return creds, resume, removed


def _plan(server: Server, creds: DemoCredentials, data_dir: Path, resume: DemoDay | None) -> Any:
    return plan_day(
        url=server.url,
        api_key=creds.api_key,
        org_id=creds.org_id,
        data_dir=data_dir,
        fleet=FLEET,
        resume=resume,
        say=lambda _: None,
    )


def _signing_in(creds: DemoCredentials) -> tuple[str, str, str]:
    return creds.org_id, creds.admin_password, creds.api_key


def _state(api: httpx.Client) -> dict[str, Any]:
    routes = api.get("/api/v1/routes").json()
    drivers = api.get("/api/v1/drivers").json()
    return {
        "drivers": len(drivers),
        "vehicles": len(api.get("/api/v1/vehicles").json()),
        "routes": len(routes),
        "stops": sum(len(r["stops"]) for r in routes),
        "in_progress": sum(r["status"] == "in_progress" for r in routes),
        "on_shift": sum(d["on_shift"] for d in drivers),
    }


def test_a_second_run_resumes_the_day_and_a_day_that_is_over_is_replaced(
    demo: tuple[Database, Server], tmp_path: Path
) -> None:
    database, server = demo
    creds, resume, removed = _open(database, tmp_path)
    assert (resume, removed) == (None, 0)
    first = _plan(server, creds, tmp_path, None)
    headers = {"Authorization": f"Bearer {creds.api_key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as api:
        route = first.day.routes[0]
        assert api.post(f"/api/v1/routes/{route.route_id}/start").status_code == 200
        started = api.post(f"/api/v1/drivers/{route.driver_id}/shifts/start", json={})
        assert started.status_code == 201, started.text
        before = _state(api)
        assert before == {
            "drivers": 2,
            "vehicles": 2,
            "routes": 2,
            "stops": 6,
            "in_progress": 1,
            "on_shift": 1,
        }

        again, resume, removed = _open(database, tmp_path)
        assert _signing_in(again) == _signing_in(creds)
        assert stat.S_IMODE((tmp_path / CREDENTIALS_FILE).stat().st_mode) == 0o600
        assert resume is not None
        assert removed == 0
        resumed = _plan(server, again, tmp_path, resume)
        assert [r.route_id for r in resumed.day.routes] == [r.route_id for r in first.day.routes]
        assert resumed.resume_s is not None
        assert resumed.fleet.phones[0].day.actions == first.fleet.phones[0].day.actions
        assert _state(api) == before
        member = resumed.day.crew[route.driver_id]
        signed_in = api.post(
            "/api/v1/driver/session", json={"phone": member.phone, "pin": member.pin}
        )
        assert signed_in.status_code == 201, signed_in.text

        write_day(tmp_path, replace(resume, end_s=time.time() - 60.0))
        third, resume, removed = _open(database, tmp_path)
        assert _signing_in(third) == _signing_in(creds)
        assert (resume, removed) == (None, 2)
        assert _state(api) | {"drivers": 2, "vehicles": 2} == {
            "drivers": 2,
            "vehicles": 2,
            "routes": 0,
            "stops": 0,
            "in_progress": 0,
            "on_shift": 0,
        }
        replaced = _plan(server, third, tmp_path, None)
        assert _state(api) == before | {"in_progress": 0, "on_shift": 0}
        old = {r.route_id for r in first.day.routes}
        assert old.isdisjoint(r.route_id for r in replaced.day.routes)

    fresh, resume, _ = _open(database, tmp_path, fresh=True)
    assert fresh.org_id != creds.org_id
    assert fresh.api_key != creds.api_key
    assert resume is None
