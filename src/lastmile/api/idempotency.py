"""`Idempotency-Key` on every POST: a retried request replays the first answer."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lastmile.api.body import read_body, replay
from lastmile.api.problems import error_response
from lastmile.db import Base, Database, utcnow
from lastmile.errors import Conflict, InvalidInput, LastmileError

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
MAX_STORED_BODY_BYTES = 2_000_000


class IdempotencyRecord(Base):
    """The first answer to a (caller, key) pair; `status_code` is None while in flight."""

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


@dataclass(frozen=True, slots=True)
class _Stored:
    request_sha256: str
    status_code: int | None
    content_type: str | None
    body: bytes | None


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
    def __init__(self, app: ASGIApp, *, ttl_s: int) -> None:
        self.app = app
        self.ttl = timedelta(seconds=ttl_s)

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
        stored = await anyio.to_thread.run_sync(self._claim, db, caller, key, request_sha256)
        if stored is not None:
            await self._replay(stored, request_sha256, send)
            return

        captured = _Capture(send)
        try:
            await self.app(scope, replay(body, receive), captured.send)
        finally:
            await anyio.to_thread.run_sync(self._settle, db, caller, key, captured)

    def _claim(self, db: Database, caller: str, key: str, request_sha256: str) -> _Stored | None:
        """The stored answer for this key, or None once this request has claimed the key."""
        with db.session(writes=True) as session:
            record = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.caller_sha256 == caller, IdempotencyRecord.key == key
                )
            )
            if record is not None and record.created_at < utcnow() - self.ttl:
                session.delete(record)
                session.flush()
                record = None
            if record is not None:
                return _Stored(
                    record.request_sha256, record.status_code, record.content_type, record.body
                )
            session.add(
                IdempotencyRecord(caller_sha256=caller, key=key, request_sha256=request_sha256)
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return _Stored(request_sha256, None, None, None)
        return None

    def _settle(self, db: Database, caller: str, key: str, captured: "_Capture") -> None:
        """Keep a completed answer; forget a failed or oversized one so a retry runs again."""
        with db.session(writes=True) as session:
            record = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.caller_sha256 == caller, IdempotencyRecord.key == key
                )
            )
            if record is None:
                return
            if captured.complete and captured.status < 500 and not captured.overflow:
                record.status_code = captured.status
                record.content_type = captured.content_type
                record.body = b"".join(captured.chunks)
            else:
                session.delete(record)
            session.commit()

    async def _replay(self, stored: _Stored, request_sha256: str, send: Send) -> None:
        if stored.request_sha256 != request_sha256:
            raise InvalidInput(
                "Idempotency-Key",
                "was already used for a different request: use a new key for a new request",
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
    """Passes the response through to the client while keeping a copy of it."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.content_type: str | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.overflow = False
        self.complete = False

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
        await self._send(message)


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
