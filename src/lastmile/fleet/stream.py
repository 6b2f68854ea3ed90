"""`GET /api/v1/stream/fleet`: the organisation's live positions over Server-Sent Events.

The busiest stream there is (every driver's every fix), so it skips the framework's per-event
machinery: each wake-up writes every message already queued as one chunk of SSE bytes.
"""

from collections.abc import AsyncIterator, Collection

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lastmile.auth.deps import Principal, PrincipalDep
from lastmile.bus.base import Bus, Subscription, fleet_channel
from lastmile.db import Database
from lastmile.fleet.stream_scope import StreamScope, Subject, visible_subjects
from lastmile.hubs.access import scope_of

router = APIRouter(tags=["fleet"])

HEARTBEAT_S = 15.0
MAX_BATCH = 500
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def _events(
    request: Request, bus: Bus, channel: str, scope: StreamScope | None
) -> AsyncIterator[bytes]:
    subscription: Subscription = await bus.subscribe(channel)
    try:
        yield b": connected\n\n"
        while True:
            message = await subscription.get(timeout_s=HEARTBEAT_S)
            if message is None:
                if await request.is_disconnected():
                    return
                yield b": heartbeat\n\n"
                continue
            batch = [message, *subscription.ready(MAX_BATCH - 1)]
            if scope is not None:
                batch = await scope.keep(batch)
            if batch:
                yield b"".join(m.sse for m in batch)
    finally:
        await subscription.close()


@router.get(
    "/api/v1/stream/fleet",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An endless stream"}},
)
async def fleet_stream(request: Request, principal: PrincipalDep) -> StreamingResponse:
    """Each message is one driver's newest position (`event: position`), an alert that changed
    (`event: alert`) or a route stop that arrived or closed (`event: stop`); comments keep it
    open.

    A client that goes away cancels the stream (Starlette listens for the disconnect); asking
    `is_disconnected` only when idle spares a receive per message at fleet rates.

    A dispatcher limited to some hubs hears only their hubs' drivers, routes and alerts."""
    database: Database = request.app.state.db
    scope = await anyio.to_thread.run_sync(_stream_scope, database, principal)
    events = _events(request, request.app.state.bus, fleet_channel(principal.org_id), scope)
    return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)


def _stream_scope(database: Database, principal: Principal) -> StreamScope | None:
    """The caller's filter (None: they see every hub), each read in a session of its own: the
    stream stays open for hours and must hold no database connection meanwhile."""
    with database.session() as session:
        scope = scope_of(session=session, role=principal.role, user_id=principal.user_id)
    if not scope.limited:
        return None

    def lookup(subjects: Collection[Subject]) -> set[Subject]:
        with database.session() as session:
            return visible_subjects(
                session=session, org_id=principal.org_id, scope=scope, subjects=subjects
            )

    return StreamScope(lookup)
