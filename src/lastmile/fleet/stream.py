"""`GET /api/v1/stream/fleet`: the organisation's live positions over Server-Sent Events.

The busiest stream there is (every driver's every fix), so it skips the framework's per-event
machinery: each wake-up writes every message already queued as one chunk of SSE bytes.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lastmile.auth.deps import Principal, PrincipalDep
from lastmile.auth.models import Role
from lastmile.bus.base import Bus, Message, Subscription, fleet_channel, staff_chat_channel
from lastmile.db import Database
from lastmile.errors import Forbidden

router = APIRouter(tags=["fleet"])

HEARTBEAT_S = 15.0
MAX_BATCH = 500
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class StreamFilter(Protocol):
    """Keeps a caller's stream to what they may see (`dispatch.stream_scope`: their hubs)."""

    async def keep(self, batch: Sequence[Message]) -> list[Message]: ...


type FilterFor = Callable[[Database, Principal], StreamFilter | None]
"""The caller's filter, None for one who sees everything; blocking. The app sets it as
`app.state.hub_stream_filter`: hubs' drivers and routes are known only above this package."""


async def _events(
    request: Request, bus: Bus, channels: Sequence[str], scope: StreamFilter | None
) -> AsyncIterator[bytes]:
    subscription: Subscription = await bus.subscribe(*channels)
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
async def fleet_stream(
    request: Request, principal: PrincipalDep, chat: bool = False
) -> StreamingResponse:
    """Each message is one driver's newest position (`event: position`), an alert that changed
    (`event: alert`) or a route stop that arrived or closed (`event: stop`); comments keep it
    open.

    A client that goes away cancels the stream (Starlette listens for the disconnect); asking
    `is_disconnected` only when idle spares a receive per message at fleet rates.

    With `chat=true` (staff only) the organisation's driver threads and customer messages
    come on it too (`event: message`, `event: customer_message`), as `/api/v1/stream/chat`
    sends them: a Control Tower tab holds one connection, not two (a browser opens at most six
    to one server, so two per tab froze a dispatcher's third tab).

    A dispatcher limited to some hubs hears only their hubs' drivers, routes and alerts."""
    if chat and principal.role not in (Role.ADMIN, Role.DISPATCHER):
        raise Forbidden(f"chat needs the role admin or dispatcher; the caller is {principal.role}")
    channels = [fleet_channel(principal.org_id)]
    if chat:
        channels.append(staff_chat_channel(principal.org_id))
    filter_for: FilterFor = request.app.state.hub_stream_filter
    scope = await anyio.to_thread.run_sync(filter_for, request.app.state.db, principal)
    events = _events(request, request.app.state.bus, channels, scope)
    return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
