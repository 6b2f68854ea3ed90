"""The app in-process over a benchmark's database, with an admin API key's headers."""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from lastmile.app import create_app
from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.config import Settings
from lastmile.db import Database


@contextmanager
def admin_client(
    engine: Engine, org_name: str = "bench"
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client of the app on `engine`, and the headers of a new organisation's admin key."""
    database = Database(engine)
    with database.session() as session:
        org = auth.create_organization(session=session, name=org_name)
        _, key = auth.create_api_key(session=session, org_id=org.id, name="b", role=Role.ADMIN)
        session.commit()
    settings = Settings(_env_file=None, env="test")  # type: ignore[call-arg]
    with TestClient(create_app(settings, database=database)) as client:
        yield client, {"Authorization": f"Bearer {key}"}
