"""Dependencies every view shares, declared once as `Annotated` aliases."""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lastmile.api.idempotency import fence_commits
from lastmile.config import Settings
from lastmile.db import utcnow


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.db.session() as session:
        fence_commits(session, request.scope)  # a POST with an Idempotency-Key marks its record
        yield session


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def now() -> datetime:
    """The moment a change is made (a route starts or is edited); one dependency, so that tests
    can pin the clock."""
    return utcnow()


NowDep = Annotated[datetime, Depends(now)]
