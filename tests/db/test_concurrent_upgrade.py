"""Two processes starting together on a new database both migrate it without failing.

Seen in the crash test: the API and `lastmile worker` started side by side on an empty
PostgreSQL schema, and one of them died creating `alembic_version` twice.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from testkit.databases import postgres_schema_url
from testkit.servers import server_env
from tests.conftest import POSTGRES_URL, require_postgres

from lastmile.db.engine import make_engine

STARTERS = 3
MIGRATE = (
    "import sys; from lastmile.db.engine import make_engine; "
    "from lastmile.db.migrate import upgrade; upgrade(make_engine(sys.argv[1]))"
)
"""What a process does first at start-up (`lastmile serve`, `lastmile worker`)."""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    require_postgres()
    with postgres_schema_url(POSTGRES_URL) as url:
        yield url


def test_processes_starting_together_all_migrate(tmp_path: Path, empty_database: str) -> None:
    env = server_env(tmp_path, empty_database)
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, empty_database],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(STARTERS)
    ]
    outputs = [starter.communicate(timeout=120)[0].decode(errors="replace") for starter in starters]
    failed = [
        out[-2000:] for starter, out in zip(starters, outputs, strict=True) if starter.returncode
    ]
    assert failed == []
    engine = make_engine(empty_database)
    try:
        assert "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
