"""On the embedded database, requests take turns to write instead of answering 503.

A request with an unsafe method (POST, PUT, PATCH, DELETE) is one that will write: its
transactions begin with `BEGIN IMMEDIATE` and wait their turn for SQLite's write lock.
GET and HEAD read in deferred transactions that never wait. A request that still met a busy
database (a GET that writes after all, a wait longer than the busy timeout) and committed no
change is run again, from its buffered body, with the write lock taken at BEGIN; only the
last attempt's answer reaches the client. PostgreSQL requests pass through untouched.
"""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.db.contention import DEFAULT_ATTEMPTS, Unit, unit_of_work, writing

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _embedded(scope: Scope) -> bool:
    database = getattr(scope["app"].state, "db", None)
    return database is not None and database.dialect == "sqlite"


class _Answer:
    """Passes the response on, unless it is a busy failure that the request may retry."""

    def __init__(self, send: Send, unit: Unit, *, last: bool) -> None:
        self._send = send
        self._unit = unit
        self._last = last
        self.started = False
        self.discarded = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] >= 500 and self._unit.may_run_again and not self._last:
                self.discarded = True
                return
            self.started = True
        if not self.discarded:
            await self._send(message)


class TransactionsMiddleware:
    def __init__(self, app: ASGIApp, *, attempts: int = DEFAULT_ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts
        self.retried = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _embedded(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        writes = scope["method"] not in SAFE_METHODS
        for attempt in range(1, self.attempts + 1):
            with unit_of_work() as unit, writing(writes or attempt > 1):
                answer = _Answer(send, unit, last=attempt == self.attempts)
                try:
                    await self.app(scope, replay(body, receive), answer.send)
                except Exception:
                    if answer.started or not unit.may_run_again or attempt == self.attempts:
                        raise
                else:
                    if not answer.discarded:
                        return
            self.retried += 1
            log.info(
                "SQLite was busy on %s %s before anything was committed: running it again",
                scope["method"],
                scope["path"],
            )
