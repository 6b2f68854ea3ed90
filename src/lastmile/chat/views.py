"""HTTP routes: a driver's thread with the dispatchers, live over Server-Sent Events."""

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field

from lastmile.api.deps import SessionDep
from lastmile.api.fields import Instant
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep, StaffDep
from lastmile.bus.base import Bus
from lastmile.chat import service
from lastmile.chat.models import ChatMessage, Sender
from lastmile.driver.action_views import AfterCommit, apply_once
from lastmile.driver.schemas import ActionIn
from lastmile.driver_auth.deps import DriverDep
from lastmile.fleet.stream import FilterFor, StreamFilter
from lastmile.hubs.access import HubScopeDep, scope_of

router = APIRouter(tags=["chat"], responses=COMMON_PROBLEMS)

HEARTBEAT_S = 15.0
Body = Field(min_length=1, max_length=2000)


class DriverMessageIn(ActionIn):
    body: str = Body


class StaffMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Body


class MessageOut(BaseModel):
    id: uuid.UUID
    driver_id: uuid.UUID
    sender: Sender
    author: str
    body: str
    at: datetime
    recorded_at: datetime

    @classmethod
    def of(cls, message: ChatMessage) -> "MessageOut":
        return cls.model_validate(service.as_message(message))


def _fan_out(bus: Bus, message: dict[str, Any]) -> list[AfterCommit]:
    async def to_dispatchers() -> None:
        await bus.publish(service.org_channel(message["org_id"]), message["data"])

    async def to_driver() -> None:
        await bus.publish(
            service.driver_channel(message["org_id"], message["data"]["driver_id"]),
            message["data"],
        )

    return [to_dispatchers, to_driver]


async def _stream(
    request: Request, channel: str, scope: StreamFilter | None = None
) -> AsyncIterator[ServerSentEvent]:
    """The channel's messages as server-sent events (those `scope` keeps, when given)."""
    bus: Bus = request.app.state.bus
    subscription = await bus.subscribe(channel)
    try:
        yield ServerSentEvent(comment="connected")
        while not await request.is_disconnected():
            message = await subscription.get(timeout_s=HEARTBEAT_S)
            if message is None:
                yield ServerSentEvent(comment="heartbeat")
                continue
            if scope is not None and not await scope.keep([message]):
                continue
            # A customer-thread message (`contact`) comes as its own event, not as chat.
            yield ServerSentEvent(
                event=str(message.data.get("type") or "message"), data=message.data
            )
    finally:
        await subscription.close()


@router.post("/api/v1/driver/messages", status_code=201, response_model=MessageOut)
def driver_post(
    body: DriverMessageIn, request: Request, driver: DriverDep, session: SessionDep
) -> JSONResponse:
    posted: list[ChatMessage] = []

    def apply() -> MessageOut:
        message = service.post(
            session=session,
            org_id=driver.org_id,
            driver_id=driver.driver_id,
            sender=Sender.DRIVER,
            author=driver.name,
            body=body.body,
            at=body.at,
            client_id=body.action_id,
        )
        posted.append(message)
        return MessageOut.of(message)

    def live() -> list[AfterCommit]:
        data = {"org_id": driver.org_id, "data": service.as_message(posted[0])}
        return _fan_out(request.app.state.bus, data)

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="chat",
        target="",
        apply=apply,
        status_code=201,
        after_commit=live,
    )


@router.get("/api/v1/driver/messages")
def driver_thread(
    driver: DriverDep, session: SessionDep, after: Instant | None = None
) -> list[MessageOut]:
    """The thread oldest first; `after` (a `recorded_at`) catches up after a reconnect."""
    found = service.thread(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, after=after
    )
    return [MessageOut.of(m) for m in found]


@router.get("/api/v1/driver/messages/stream", response_class=EventSourceResponse)
async def driver_stream(request: Request, driver: DriverDep) -> AsyncIterator[ServerSentEvent]:
    """The driver app's one live stream: new messages of the driver's thread (`event:
    message`), both ways, its customers' messages (`customer_message`), and word that its
    route changed (`route_changed`: read it again)."""
    async for event in _stream(request, service.driver_channel(driver.org_id, driver.driver_id)):
        yield event


@router.post("/api/v1/drivers/{driver_id}/messages", status_code=201)
async def staff_post(
    driver_id: uuid.UUID,
    body: StaffMessageIn,
    request: Request,
    principal: StaffDep,
) -> MessageOut:
    def save() -> tuple[MessageOut, dict[str, Any]]:
        with request.app.state.db.session() as session:
            scope = scope_of(session=session, role=principal.role, user_id=principal.user_id)
            message = service.post(
                session=session,
                org_id=principal.org_id,
                driver_id=driver_id,
                sender=Sender.DISPATCHER,
                author=principal.display_name,
                body=body.body,
                scope=scope,
            )
            session.commit()
            return MessageOut.of(message), service.as_message(message)

    out, data = await anyio.to_thread.run_sync(save)
    for publish in _fan_out(request.app.state.bus, {"org_id": principal.org_id, "data": data}):
        await publish()
    return out


@router.get("/api/v1/drivers/{driver_id}/messages")
def staff_thread(
    driver_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
    after: Instant | None = None,
) -> list[MessageOut]:
    found = service.thread(
        session=session, org_id=principal.org_id, driver_id=driver_id, after=after, scope=scope
    )
    return [MessageOut.of(m) for m in found]


@router.get("/api/v1/stream/chat", response_class=EventSourceResponse)
async def staff_stream(request: Request, principal: StaffDep) -> AsyncIterator[ServerSentEvent]:
    """Every driver thread of the organisation, live (`event: message`); a dispatcher limited
    to some hubs hears their hubs' drivers and orders only."""
    filter_for: FilterFor = request.app.state.hub_stream_filter
    scope = await anyio.to_thread.run_sync(filter_for, request.app.state.db, principal)
    async for event in _stream(request, service.org_channel(principal.org_id), scope):
        yield event
