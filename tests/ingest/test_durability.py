"""A fix that was acknowledged survives `kill -9` of the server."""

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from testkit.databases import postgres_schema_url
from testkit.servers import Server, create_org, server_env
from tests.conftest import POSTGRES_URL, require_postgres

from lastmile.db.engine import make_engine
from lastmile.ingest.models import fixes

SENDERS = 4
ACKS_BEFORE_CRASH = 300


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lastmile.db'}"
        return
    require_postgres()
    with postgres_schema_url(POSTGRES_URL) as url:
        yield url


def _stored_times(database_url: str, driver_id: uuid.UUID) -> set[datetime]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(fixes.c.at).where(fixes.c.driver_id == driver_id)
            return set(connection.scalars(query))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_acknowledged_fixes_survive_kill_9(tmp_path: Path, database_url: str) -> None:
    env = server_env(tmp_path, database_url)
    env["LASTMILE_RATE_LIMITS"] = "false"  # one phone as fast as it is answered, on purpose
    headers = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    server = Server(env)
    server.start()
    try:
        driver = httpx.post(
            f"{server.url}/api/v1/drivers",
            headers=headers,
            json={"name": "Crash Test", "device_ids": ["crash-1"]},
        ).json()
        base = datetime.now(UTC) - timedelta(minutes=30)
        acked: list[datetime] = []
        lock = threading.Lock()
        enough = threading.Event()

        def send(sender: int) -> None:
            with httpx.Client(base_url=server.url, timeout=5) as client:
                for i in range(100_000):
                    at = base + timedelta(milliseconds=10 * (i * SENDERS + sender))
                    params = {
                        "id": "crash-1",
                        "timestamp": str(int(at.timestamp() * 1000)),
                        "lat": f"{60.17 + i * 1e-6:.7f}",
                        "lon": "24.94",
                        "accuracy": "5",
                    }
                    try:
                        response = client.get("/ingest/osmand", params=params)
                    except httpx.TransportError:
                        return
                    if response.status_code == 200:
                        with lock:
                            acked.append(at.replace(microsecond=at.microsecond // 1000 * 1000))
                            if len(acked) >= ACKS_BEFORE_CRASH:
                                enough.set()

        threads = [threading.Thread(target=send, args=(k,)) for k in range(SENDERS)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=120), f"only {len(acked)} fixes acknowledged"
        server.kill()
        for thread in threads:
            thread.join(timeout=30)

        stored = _stored_times(database_url, uuid.UUID(driver["id"]))
        with lock:
            missing = set(acked) - stored
        assert len(acked) >= ACKS_BEFORE_CRASH
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged fixes were lost"

        server.start()
        position = httpx.get(
            f"{server.url}/api/v1/drivers/{driver['id']}/position", headers=headers
        )
        assert position.status_code == 200
    finally:
        server.stop()
