"""The end-of-day cash count: once a day is over at the hub's clock, every driver who moved
cash that day is checked (`cod.check_day`); the alerts' keys make repeats harmless."""

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy.orm import Session

from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.bus.base import Bus
from lastmile.db import Database, utcnow
from lastmile.settlement.cod import check_day, ended_days

log = logging.getLogger(__name__)

Messages = dict[uuid.UUID, list[dict[str, Any]]]


def count_ended_days(session: Session, *, now: datetime) -> Messages:
    """Check every recently ended day; the changed alerts as messages per organisation."""
    messages: Messages = {}
    for org_id, day in ended_days(session, now=now):
        changed = check_day(session, org_id=org_id, day=day, now=now)
        if changed:
            messages.setdefault(org_id, []).extend(alert_message(a) for a in changed)
    return messages


async def cod_check_loop(database: Database, bus: Bus, *, every_s: float = 600.0) -> None:
    """Count forever; a failed count is logged and the next one runs on time."""

    def run_once() -> Messages:
        with database.session(writes=True) as session:
            messages = count_ended_days(session, now=utcnow())
            session.commit()
            return messages

    while True:
        try:
            for org_id, messages in (await anyio.to_thread.run_sync(run_once)).items():
                await publish_alerts(bus, org_id=org_id, messages=messages)
        except Exception:
            log.exception("counting the cash of ended days failed")
        await asyncio.sleep(every_s)
