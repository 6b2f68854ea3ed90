"""Throw-away databases for benchmarks: a SQLite file, and a fresh PostgreSQL schema."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from testkit.databases import postgres_reachable, postgres_schema_engine

from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "LASTMILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine | None]:
    """A migrated engine on a schema of its own, or None when PostgreSQL is unreachable."""
    if not postgres_reachable(POSTGRES_URL):
        yield None
        return
    with postgres_schema_engine(POSTGRES_URL) as engine:
        yield engine
