"""`GET /api/v1/stream/fleet`: the organisation's live positions over Server-Sent Events."""

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from lastmile.auth.deps import PrincipalDep
from lastmile.bus.base import Bus, fleet_channel

router = APIRouter(tags=["fleet"])

HEARTBEAT_S = 15.0


@router.get("/api/v1/stream/fleet", response_class=EventSourceResponse)
async def fleet_stream(request: Request, principal: PrincipalDep) -> AsyncIterator[ServerSentEvent]:
    """Each message is one driver's newest position (`event: position`); comments keep it open.

    A client that goes away cancels the stream (Starlette listens for the disconnect); asking
    `is_disconnected` only when idle spares a receive per message at fleet rates."""
    bus: Bus = request.app.state.bus
    subscription = await bus.subscribe(fleet_channel(principal.org_id))
    try:
        yield ServerSentEvent(comment="connected")
        while True:
            message = await subscription.get(timeout_s=HEARTBEAT_S)
            if message is None:
                if await request.is_disconnected():
                    return
                yield ServerSentEvent(comment="heartbeat")
                continue
            kind = str(message.data.get("type", "message"))
            yield ServerSentEvent(event=kind, raw_data=message.encoded)
    finally:
        await subscription.close()
