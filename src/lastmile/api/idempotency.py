"""`Idempotency-Key` on every POST: a retried request replays the first answer.

The key is claimed (a record without an answer) before the request runs and settled (the
answer stored) after it, each in a transaction of its own. What the request did in between is
known from the record too: every commit of the request's own session marks the record
`applied` in that same transaction (`fence_commits`), and only while the claim is still this
request's (its `claim_token`), so a request whose claim was taken over cannot commit. A claim
holds a lease, renewed while the request runs; a claim whose lease ran out belongs to a
process that is gone. A resend that finds one runs again if nothing was applied, and is told
so if the effect was applied but its answer was lost with the process (docs/RELIABILITY.md).
"""

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import LargeBinary, String, UniqueConstraint, delete, event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.api.problems import error_response
from lastmile.db import Base, Database, utcnow
from lastmile.db.writes import transaction_wrote
from lastmile.errors import Conflict, InvalidInput, LastmileError

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
MAX_STORED_BODY_BYTES = 2_000_000
SCOPE_KEY = "lastmile.idempotency_claim"
"""Where the middleware leaves the request's claim in the ASGI scope for `fence_commits`."""


class IdempotencyRecord(Base):
    """The first answer to a (caller, key) pair; `status_code` is None while in flight, or when
    the request was `applied` but its answer was lost (its process died, it failed after a
    commit, the answer was too large to keep)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("caller_sha256", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    caller_sha256: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    """Who holds the claim: one random token per run of the request (a fencing token)."""
    lease_until: Mapped[datetime | None]
    """Until when the claim holds unless its request renews it; None once settled."""
    applied: Mapped[bool] = mapped_column(default=False)
    """A transaction of the request committed (marked in that transaction)."""


@dataclass(frozen=True, slots=True)
class _Stored:
    request_sha256: str
    status_code: int | None
    content_type: str | None
    body: bytes | None
    lost: bool = False
    """Applied, but no answer was kept and no run of the request holds the key any more."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A request's hold on its key: the record and the token that proves the hold is its own."""

    record_id: int
    token: str


def fence_commits(session: Session, scope: Mapping[str, Any]) -> None:
    """Make every commit of the request's session that wrote something mark its idempotency
    record `applied`, in the same transaction; such a commit after the claim was taken over is
    refused (Conflict)."""
    claim = scope.get(SCOPE_KEY)
    if not isinstance(claim, Claim):
        return

    def mark_applied(session: Session) -> None:
        session.flush()
        if not transaction_wrote(session.connection()):
            return  # a commit that ends reads (before slow work) applies nothing
        marked = session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == claim.record_id)
            .where(IdempotencyRecord.claim_token == claim.token)
            .values(applied=True)
            .execution_options(synchronize_session=False)
        )
        if getattr(marked, "rowcount", 1) == 0:
            raise Conflict(
                "this request's Idempotency-Key was taken over by a resend while it ran: "
                "its change was not applied"
            )

    event.listen(session, "before_commit", mark_applied)


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _caller(headers: Headers) -> str:
    """Keys are per caller: the credential itself, hashed (never stored in clear)."""
    credential = headers.get("authorization") or headers.get("cookie") or "anonymous"
    return _sha256(credential.encode())


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, ttl_s: int, lease_s: float = 30.0) -> None:
        self.app = app
        self.ttl = timedelta(seconds=ttl_s)
        self.lease = timedelta(seconds=lease_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            await self._handle(scope, receive, send, key, headers)
        except LastmileError as error:
            await error_response(error, instance=scope["path"])(scope, receive, send)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, key: str, headers: Headers
    ) -> None:
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise InvalidInput(
                "Idempotency-Key", f"is {len(key)} characters: use 1..{MAX_KEY_LENGTH}"
            )
        body = await read_body(receive)
        db: Database = scope["app"].state.db
        caller = _caller(headers)
        request_sha256 = _sha256(
            scope["method"].encode(), scope["path"].encode(), scope["query_string"], body
        )
        claimed = await anyio.to_thread.run_sync(self._claim, db, caller, key, request_sha256)
        if isinstance(claimed, _Stored):
            await self._replay(claimed, request_sha256, send)
            return

        scope[SCOPE_KEY] = claimed
        captured = _Capture(send)
        try:
            await self._run_renewing(db, claimed, scope, replay(body, receive), captured.send)
        finally:
            await anyio.to_thread.run_sync(self._settle, db, claimed, captured)
            # Only now the client has the whole answer: a resend it makes at once replays it.
            await captured.release()

    async def _run_renewing(
        self, db: Database, claim: Claim, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the request while renewing its claim's lease, so that however long it takes,
        a resend sees it as in flight for as long as its process lives."""
        failure: Exception | None = None
        async with anyio.create_task_group() as renewals:
            renewals.start_soon(self._keep_lease, db, claim)
            try:
                await self.app(scope, receive, send)
            except Exception as error:  # re-raised below, outside the task group's wrapping
                failure = error
            finally:
                renewals.cancel_scope.cancel()
        if failure is not None:
            raise failure

    async def _keep_lease(self, db: Database, claim: Claim) -> None:
        while True:
            await anyio.sleep(self.lease.total_seconds() / 3)
            try:
                await anyio.to_thread.run_sync(self._renew, db, claim)
            except SQLAlchemyError:
                # The request goes on; if the lease runs out meanwhile, a resend may take the
                # claim over, and this run's commits are then refused (`fence_commits`).
                log.warning(
                    "could not renew the lease of Idempotency-Key record %d",
                    claim.record_id,
                    exc_info=True,
                )

    def _renew(self, db: Database, claim: Claim) -> None:
        with db.session(writes=True) as session:
            session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == claim.record_id)
                .where(IdempotencyRecord.claim_token == claim.token)
                .values(lease_until=utcnow() + self.lease)
            )
            session.commit()

    def _claim(self, db: Database, caller: str, key: str, request_sha256: str) -> _Stored | Claim:
        """What is stored for this key, or this request's claim on it."""
        token = secrets.token_hex(16)
        now = utcnow()
        with db.session(writes=True) as session:
            record = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.caller_sha256 == caller, IdempotencyRecord.key == key
                )
            )
            if record is not None and record.created_at < now - self.ttl:
                session.delete(record)
                session.flush()
                record = None
            if record is not None:
                if self._abandoned(record, request_sha256, now):
                    return self._take_over(session, record, token, now)
                return _Stored(
                    record.request_sha256,
                    record.status_code,
                    record.content_type,
                    record.body,
                    lost=record.status_code is None
                    and record.applied
                    and (record.lease_until is None or record.lease_until < now),
                )
            record = IdempotencyRecord(
                caller_sha256=caller,
                key=key,
                request_sha256=request_sha256,
                claim_token=token,
                lease_until=now + self.lease,
            )
            session.add(record)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return _Stored(request_sha256, None, None, None)
            return Claim(record.id, token)

    @staticmethod
    def _abandoned(record: IdempotencyRecord, request_sha256: str, now: datetime) -> bool:
        """In flight, its lease run out (its process is gone), nothing of it committed, and
        this is the same request: it may run again."""
        return (
            record.status_code is None
            and not record.applied
            and record.lease_until is not None
            and record.lease_until < now
            and record.request_sha256 == request_sha256
        )

    def _take_over(
        self, session: Session, record: IdempotencyRecord, token: str, now: datetime
    ) -> _Stored | Claim:
        """Claim an abandoned record for this run, unless another resend was quicker."""
        taken = session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record.id)
            .where(IdempotencyRecord.claim_token == record.claim_token)
            .where(IdempotencyRecord.applied.is_(False))
            .values(claim_token=token, lease_until=now + self.lease)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(taken, "rowcount", 0) != 1:
            return _Stored(record.request_sha256, None, None, None)
        log.warning(
            "Idempotency-Key record %d was left in flight by a process that is gone, with "
            "nothing committed: running the request again",
            record.id,
        )
        return Claim(record.id, token)

    def _settle(self, db: Database, claim: Claim, captured: "_Capture") -> None:
        """Keep a completed answer. Forget a failed or oversized one so that a retry runs
        again, unless the request committed something: then keep that it was applied."""
        with db.session(writes=True) as session:
            record = session.get(IdempotencyRecord, claim.record_id)
            if record is None or record.claim_token != claim.token:
                return
            if captured.complete and captured.status < 500 and not captured.overflow:
                record.status_code = captured.status
                record.content_type = captured.content_type
                record.body = b"".join(captured.chunks)
                record.lease_until = None
            elif record.applied:
                record.lease_until = None
            else:
                session.delete(record)
            session.commit()

    async def _replay(self, stored: _Stored, request_sha256: str, send: Send) -> None:
        if stored.request_sha256 != request_sha256:
            raise InvalidInput(
                "Idempotency-Key",
                "was already used for a different request: use a new key for a new request",
            )
        if stored.lost:
            raise Conflict(
                "a request with this Idempotency-Key was applied, but its answer was lost "
                "(its server stopped, or it failed after committing): read the result back "
                "rather than sending it again"
            )
        if stored.status_code is None:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        headers = [(b"idempotent-replayed", b"true")]
        if stored.content_type:
            headers.append((b"content-type", stored.content_type.encode()))
        await send(
            {"type": "http.response.start", "status": stored.status_code, "headers": headers}
        )
        await send({"type": "http.response.body", "body": stored.body or b""})


class _Capture:
    """Passes the response through to the client while keeping a copy of it, all but its last
    message, held back until `release` (after the answer is stored)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.content_type: str | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.overflow = False
        self.complete = False
        self._last: Message | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.content_type = Headers(raw=message.get("headers", [])).get("content-type")
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.size > MAX_STORED_BODY_BYTES:
                self.overflow = True
            else:
                self.chunks.append(chunk)
            self.complete = not message.get("more_body", False)
            if self.complete:
                self._last = message
                return
        await self._send(message)

    async def release(self) -> None:
        """Send the answer's last message, if it was held back."""
        last, self._last = self._last, None
        if last is not None:
            await self._send(last)


def purge_expired(db: Database, *, ttl_s: int) -> int:
    """Delete records older than the time to live; returns how many went."""
    with db.session(writes=True) as session:
        result = session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < utcnow() - timedelta(seconds=ttl_s)
            )
        )
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)
