"""Run Alembic migrations from code: start-up and `lastmile migrate` call `upgrade`."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from lastmile.db import contention

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config(bind: Engine | Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = bind
    return config


def _one_at_a_time(connection: Connection) -> None:
    """Processes starting together (the API and `lastmile worker`) migrate in turn: the second
    finds the schema done instead of creating `alembic_version` a second time and dying.

    PostgreSQL: an advisory lock per schema, released at commit. SQLite: the transaction took
    the write lock at BEGIN (see `upgrade`).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('lastmile.migrate:' || current_schema()))")
        )


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    """Bring the schema up to `revision` (inside one transaction per migration run)."""
    if isinstance(bind, Engine):
        with contention.writing(), bind.begin() as connection:
            _one_at_a_time(connection)
            command.upgrade(alembic_config(connection), revision)
    else:
        _one_at_a_time(bind)
        command.upgrade(alembic_config(bind), revision)
