"""The embedded default as it runs: a SQLite file, its own connections, requests on threads."""

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from lastmile.app import create_app
from lastmile.auth.models import Organization
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade


def file_database(tmp_path: Path, *, busy_timeout_ms: int | None = None) -> Database:
    """A migrated SQLite file (WAL) with a pool of connections, as `lastmile serve` opens it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'lastmile.db'}")
    if busy_timeout_ms is not None:

        @event.listens_for(engine, "connect")
        def _impatient(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    upgrade(engine)
    return Database(engine)


@contextmanager
def embedded_app(tmp_path: Path, database: Database) -> Iterator[tuple[FastAPI, TestClient]]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path,
        public_url="http://testserver",
        run_workers=False,
    )
    app = create_app(settings, database=database)
    with TestClient(app) as client:
        yield app, client
    database.engine.dispose()


def in_parallel[T](count: int, work: Callable[[int], T]) -> list[T]:
    """`work(0..count-1)`, each on a thread of its own, all started together."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(work, range(count)))


@contextmanager
def steady_writer(database: Database, org_id: uuid.UUID) -> Iterator[list[int]]:
    """A writer committing small changes back to back on a thread, like the fleet's fixes."""
    stop = threading.Event()
    commits: list[int] = []

    def write() -> None:
        while not stop.is_set():
            with database.session(writes=True) as session:
                session.execute(
                    update(Organization)
                    .where(Organization.id == org_id)
                    .values(name=f"Org {len(commits)}")
                )
                session.commit()
            commits.append(1)
            stop.wait(0.002)  # pacing, like fixes arriving: not a synchronisation

    thread = threading.Thread(target=write, name="steady-writer")
    thread.start()
    try:
        yield commits
    finally:
        stop.set()
        thread.join()
