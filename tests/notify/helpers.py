"""Small helpers for the notify tests: a settable clock, an in-memory sender, API shortcuts."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from tests.common import OrgHandle

from lastmile.notify.types import Rendered, SendResult


def next_local(hour: int, zone: str, *, after: datetime | None = None) -> datetime:
    """The first moment after `after` (default: now) when the clock in `zone` shows `hour`:00,
    in UTC: tests of quiet hours must not depend on the day they run."""
    start = (after or datetime.now(UTC)).astimezone(ZoneInfo(zone))
    found = start.replace(hour=hour, minute=0, second=0, microsecond=0)
    if found <= start:
        found = (found + timedelta(days=1)).replace(hour=hour)
    return found.astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """Real time shifted by a settable offset: `advance` jumps ahead, `now = x` sets it."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @property
    def now(self) -> datetime:
        return self()

    @now.setter
    def now(self, value: datetime) -> None:
        self.offset = value - datetime.now(UTC)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


class Outbox:
    """A sender that keeps what it was asked to send (SMS, email) in memory."""

    def __init__(self) -> None:
        self.sent: list[Rendered] = []

    async def send(self, message: Rendered) -> SendResult:
        self.sent.append(message)
        return SendResult()

    async def close(self) -> None:
        return None


def add_webhook(client: TestClient, org: OrgHandle, url: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/notify/webhooks", json={"url": url, **body}, headers=org.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def deliveries(client: TestClient, org: OrgHandle, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/notify/deliveries", params=params, headers=org.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()
    return data


class KeyCounter:
    """A sender that counts how often each idempotency key was sent, and by which worker."""

    def __init__(self, worker: str, sent: dict[str, list[str]]) -> None:
        self.worker = worker
        self.sent = sent

    async def send(self, message: Rendered) -> SendResult:
        self.sent.setdefault(message.idempotency_key, []).append(self.worker)
        return SendResult()

    async def close(self) -> None:
        return None
