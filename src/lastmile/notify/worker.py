"""The outbox worker: claim due messages, render, send, log the attempt, schedule retries.

Several workers (processes) may run against one PostgreSQL database: a claim takes the rows
with `FOR UPDATE SKIP LOCKED` and leases them until `claimed_until`; a worker that dies
mid-send leaves its lease to expire, and the message is tried again with the same
idempotency key. SQLite serialises writers, so claims there are safe in one process.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import TemplateError
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lastmile.config import Settings
from lastmile.db import Database, utcnow
from lastmile.notify import subscriptions
from lastmile.notify.channels.base import Sender
from lastmile.notify.channels.console import mask
from lastmile.notify.channels.factory import build_senders
from lastmile.notify.channels.push import GONE
from lastmile.notify.delivery import (
    Outcome,
    backoff_s,
    hold,
    new_rng,
    record_outcome,
    settings_cache,
)
from lastmile.notify.models import OutboxMessage, WebhookEndpoint
from lastmile.notify.render import render
from lastmile.notify.types import Channel, MessageStatus, Rendered, SendError
from lastmile.notify.unsubscribe import Unsubscribe, make_token

log = logging.getLogger(__name__)

FINISH_TRIES = 6


@dataclass(frozen=True, slots=True)
class Job:
    message_id: uuid.UUID
    attempt: int
    rendered: Rendered


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class OutboxWorker:
    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        senders: dict[Channel, Sender] | None = None,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.senders = senders if senders is not None else build_senders(settings)
        self.name = name or worker_name()
        self.clock = clock
        self.rng = rng or new_rng()
        self._db_turn = asyncio.Lock()  # one worker loop holds at most one DB connection
        self.failed_batches = 0

    def unsubscribe_url(self, message: OutboxMessage) -> str:
        token = make_token(
            Unsubscribe(message.org_id, message.channel, message.recipient),
            secret_key=self.settings.secret_key.get_secret_value(),
        )
        return f"{self.settings.public_url.rstrip('/')}/notify/unsubscribe/{token}"

    def _render(self, session: Session, message: OutboxMessage) -> Rendered:
        secret = None
        push_keys = None
        if message.channel is Channel.PUSH:
            found = subscriptions.find(
                session=session,
                org_id=message.org_id,
                shipment_id=message.shipment_id,
                endpoint=message.recipient,
            )
            if found is None:
                raise SendError("the browser unsubscribed", retry=False)
            push_keys = {"p256dh": found.p256dh, "auth": found.auth}
        if message.channel is Channel.WEBHOOK:
            endpoint = session.get(WebhookEndpoint, message.endpoint_id)
            secret = endpoint.secret if endpoint is not None and endpoint.active else None
            if secret is None:
                raise SendError("the webhook endpoint was disabled", retry=False)
        return render(
            message,
            public_url=self.settings.public_url,
            unsubscribe_url=self.unsubscribe_url(message),
            secret=secret,
            push_keys=push_keys,
        )

    def _due(self, now: datetime) -> Select[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at)
            .limit(self.settings.notify_batch_size)
        )
        if self.database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return query

    def claim(self) -> list[Job]:
        """Lease a batch of due messages to this worker; hold back or drop those that must wait."""
        now = self.clock()
        jobs = []
        with self.database.session(writes=True) as session:
            settings_of = settings_cache(session)
            for message in session.scalars(self._due(now)).all():
                held = hold(session=session, message=message, now=now, settings_of=settings_of)
                if held is not None and held.until is not None:
                    message.next_attempt_at = held.until
                    continue
                if held is not None:
                    message.status = MessageStatus.SUPPRESSED
                    message.last_error = held.reason
                    continue
                message.attempts += 1
                try:
                    rendered = self._render(session, message)
                except (SendError, TemplateError) as error:
                    message.status = MessageStatus.DEAD
                    message.last_error = f"cannot render: {error}"
                    log.error("outbox %s cannot be rendered: %s", message.id, error)
                    continue
                message.claimed_until = now + timedelta(seconds=self.settings.notify_lease_s)
                message.claimed_by = self.name
                jobs.append(Job(message.id, message.attempts, rendered))
            session.commit()
        return jobs

    async def _send(self, job: Job) -> Outcome:
        sender = self.senders[job.rendered.channel]
        started = time.perf_counter()
        try:
            result = await sender.send(job.rendered)
        except SendError as error:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(False, error.retry, elapsed, error.status_code, str(error))
        except Exception as error:  # a sender bug must not stop the worker: log, retry later
            log.exception("outbox %s: %s sender failed unexpectedly", job.message_id, sender)
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(False, True, elapsed, None, f"unexpected {type(error).__name__}")
        return Outcome(True, False, (time.perf_counter() - started) * 1000, result.status_code)

    def finish(self, job: Job, outcome: Outcome) -> None:
        now = self.clock()
        with self.database.session(writes=True) as session:
            message = session.get(OutboxMessage, job.message_id, with_for_update=True)
            if message is None:
                return
            if message.claimed_by != self.name:
                log.warning("outbox %s: lease lost before the send finished", message.id)
            record_outcome(
                session=session,
                message=message,
                outcome=outcome,
                worker=self.name,
                now=now,
                max_attempts=self.settings.notify_max_attempts,
                next_delay_s=backoff_s(
                    job.attempt,
                    base_s=self.settings.notify_backoff_base_s,
                    max_s=self.settings.notify_backoff_max_s,
                    rng=self.rng,
                ),
            )
            if message.channel is Channel.PUSH and outcome.status_code in GONE:
                subscriptions.forget_endpoint(
                    session=session, org_id=message.org_id, endpoint=message.recipient
                )
            session.commit()
        log.info(
            "outbox %s %s to %s: %s",
            job.message_id,
            job.rendered.channel,
            mask(job.rendered.recipient)
            if job.rendered.channel in (Channel.SMS, Channel.EMAIL)
            else "endpoint",
            "sent" if outcome.sent else outcome.error,
        )

    async def deliver(self, job: Job) -> Outcome:
        """Send, then record the outcome; if recording keeps failing the lease expires and
        the message is sent again (at least once, same idempotency key)."""
        outcome = await self._send(job)
        for attempt in range(FINISH_TRIES):
            try:
                async with self._db_turn:
                    await asyncio.to_thread(self.finish, job, outcome)
                break
            except OperationalError as error:
                log.warning(
                    "outbox %s: recording the outcome failed: %s", job.message_id, error.orig
                )
                await asyncio.sleep(0.05 * 2**attempt)
        return outcome

    async def run_once(self) -> int:
        """Claim and send one batch; the number of messages sent or tried."""
        try:
            async with self._db_turn:
                jobs = await asyncio.to_thread(self.claim)
        except OperationalError as error:
            log.warning("outbox claim failed, retrying next poll: %s", error.orig)
            return 0
        await asyncio.gather(*(self.deliver(job) for job in jobs))
        return len(jobs)

    async def _run_once_logged(self) -> int:
        try:
            return await self.run_once()
        except Exception:  # the loop must outlive any one batch: log, count, go on
            self.failed_batches += 1
            log.exception("outbox worker %s: a batch failed; trying again next poll", self.name)
            return 0

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll until `stop` is set (or forever), sending batches back to back while busy."""
        stop = stop or asyncio.Event()
        log.info("outbox worker %s started", self.name)
        try:
            while not stop.is_set():
                if await self._run_once_logged():
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.notify_poll_interval_s)
        finally:
            for sender in self.senders.values():
                await sender.close()
