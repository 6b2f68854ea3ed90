"""Notify fixtures: a live merchant endpoint, a controllable clock, a worker on the test DB."""

from collections.abc import Iterator

import pytest
from tests.notify.helpers import Clock, Outbox
from tests.notify.push_service import PushService, push_service
from tests.notify.receivers import Recorder, serve

from lastmile.config import Settings
from lastmile.db import Database
from lastmile.notify.channels.push import PushSender
from lastmile.notify.channels.webhook import WebhookSender
from lastmile.notify.types import Channel
from lastmile.notify.vapid import load_keys
from lastmile.notify.worker import OutboxWorker


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver() -> Iterator[Recorder]:
    with serve(Recorder()) as recorder:
        yield recorder


@pytest.fixture
def push() -> Iterator[PushService]:
    with push_service() as service:
        yield service


@pytest.fixture
def phone_box() -> Outbox:
    return Outbox()


@pytest.fixture
def mail_box() -> Outbox:
    return Outbox()


@pytest.fixture
def worker(
    db: Database, settings: Settings, clock: Clock, phone_box: Outbox, mail_box: Outbox
) -> OutboxWorker:
    """SMS and email land in memory boxes; webhooks and browser pushes really go over HTTP."""
    fast = settings.model_copy(update={"notify_backoff_base_s": 10.0, "notify_max_attempts": 3})
    return OutboxWorker(
        database=db,
        settings=fast,
        senders={
            Channel.SMS: phone_box,
            Channel.EMAIL: mail_box,
            Channel.WEBHOOK: WebhookSender(timeout_s=5, allow_private=True),
            Channel.PUSH: PushSender(keys=load_keys(fast), ttl_s=600, timeout_s=5),
        },
        name="test-worker",
        clock=clock,
        rng=lambda: 1.0,
    )
