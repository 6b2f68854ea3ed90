"""Audit retention: an organisation that set `audit_retention_days` has older entries deleted
by a periodic job; one that did not (the default) keeps every entry forever."""

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.audit import service as audit_log
from lastmile.db import Database, utcnow
from lastmile.orgsettings.models import OrganizationSettings

log = logging.getLogger(__name__)

EVERY_S = 6 * 3600
FIRST_RUN_AFTER_S = 90
# The database checks the age by its own clock: this margin keeps a server clock running a
# little ahead of it from asking for a delete the database would refuse.
CLOCK_MARGIN = timedelta(hours=1)


def purge_expired(session: Session, *, now: datetime) -> dict[uuid.UUID, int]:
    """Delete, per organisation that opted in, the entries older than its retention; the
    number deleted by organisation (those with none deleted left out)."""
    opted_in = session.execute(
        select(OrganizationSettings.org_id, OrganizationSettings.audit_retention_days).where(
            OrganizationSettings.audit_retention_days.is_not(None)
        )
    ).all()
    kept_days = {org_id: days for org_id, days in opted_in if days is not None}
    deleted = {}
    for org_id, days in kept_days.items():
        cutoff = now - timedelta(days=days) - CLOCK_MARGIN
        count = audit_log.purge_before(
            session=session, org_id=org_id, cutoff=cutoff, retention_days=days
        )
        if count:
            deleted[org_id] = count
    return deleted


async def audit_retention_loop(database: Database) -> None:
    """Purge a little after start-up, then every six hours; a failed run is logged and the
    next one runs on time."""

    def run_once() -> dict[uuid.UUID, int]:
        with database.session(writes=True) as session:
            deleted = purge_expired(session, now=utcnow())
            session.commit()
            return deleted

    await asyncio.sleep(FIRST_RUN_AFTER_S)
    while True:
        try:
            deleted = await anyio.to_thread.run_sync(run_once)
            if deleted:
                log.info("audit entries past their retention deleted: %d", sum(deleted.values()))
        except Exception:
            log.exception("audit retention failed; trying again in %d s", EVERY_S)
        await asyncio.sleep(EVERY_S)
