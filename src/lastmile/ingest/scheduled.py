"""Periodic ingest jobs: fix retention."""

import asyncio
import logging
from datetime import timedelta

import anyio

from lastmile.db import utcnow
from lastmile.ingest.store import FixStore

log = logging.getLogger(__name__)

RETENTION_EVERY_S = 6 * 3600
FIRST_RUN_AFTER_S = 60


async def retention_loop(store: FixStore, *, retention_days: int) -> None:
    """Drop fixes older than `retention_days`: a minute after start-up, then every six hours."""
    await asyncio.sleep(FIRST_RUN_AFTER_S)
    while True:
        cutoff = utcnow() - timedelta(days=retention_days)
        try:
            await anyio.to_thread.run_sync(store.purge_before, cutoff)
            log.info("fixes before %s purged", cutoff.date())
        except Exception:
            log.exception("fix retention failed; trying again in %d s", RETENTION_EVERY_S)
        await asyncio.sleep(RETENTION_EVERY_S)
