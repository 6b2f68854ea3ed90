"""`GET /t/{token}/events`: this shipment's status, ETA and (while allowed) driver position."""

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from lastmile.bus.base import Bus, Message, driver_channel, shipment_channel
from lastmile.contact import live
from lastmile.contact.models import Party
from lastmile.db import Database, utcnow
from lastmile.errors import NotFound
from lastmile.orgsettings.service import get_rules
from lastmile.shipments.models import Shipment
from lastmile.web.tracking import access
from lastmile.web.tracking.access import Refusal
from lastmile.web.tracking.driver import live_map
from lastmile.web.tracking.wording import stops_away_note, stops_before

router = APIRouter(include_in_schema=False)

HEARTBEAT_S = 15.0
RECHECK_S = 60.0
_FIELDS = {
    "status": ("type", "status", "at"),
    "eta": ("type", "eta", "window_start", "window_end", "stops_away"),
    "position": ("type", "lat", "lon", "at", "heading_deg"),
}


@dataclass(frozen=True, slots=True)
class Target:
    shipment_id: uuid.UUID
    org_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Visibility:
    """Whose position the page may receive right now (None: nobody's)."""

    driver_id: str | None


def _target(token: str, request: Request) -> Target:
    """The shipment behind the token, read in a session closed before the stream starts."""
    with request.app.state.db.session() as session:
        found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        raise NotFound("no tracking link with this token (or it has expired)")
    return Target(shipment_id=found.shipment.id, org_id=found.shipment.org_id)


def visibility(database: Database, target: Target) -> Visibility:
    """Re-read the rules: the driver shows only while this stop is within N stops."""
    with database.session() as session:
        shipment = session.get(Shipment, target.shipment_id)
        if shipment is None:
            return Visibility(None)
        rules = get_rules(session=session, org_id=target.org_id)
        live = live_map(session=session, shipment=shipment, rules=rules)
        return Visibility(live.driver_id if live is not None else None)


def _only(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in _FIELDS[kind]}


def _eta(data: dict[str, Any]) -> dict[str, Any]:
    """An ETA with the page's words for its stops away, which the script shows as they are."""
    shown = _only("eta", data)
    away = data.get("stops_away")
    if isinstance(away, int) and not isinstance(away, bool) and away >= 1:
        shown |= {"stops_before": stops_before(away), "stops_away_note": stops_away_note(away)}
    return shown


def forward(message: Message, *, target: Target, seen: Visibility) -> ServerSentEvent | None:
    """The event this page may receive for a bus message, or None to drop it (a suspect
    position too: it is not published to the driver's channel, and never forwarded)."""
    kind = str(message.data.get("type", ""))
    if kind == "position" and message.data.get("suspect"):
        return None
    if message.channel == shipment_channel(target.shipment_id):
        if kind == "status":
            return ServerSentEvent(event=kind, data=_only(kind, message.data))
        if kind == "eta":
            return ServerSentEvent(event=kind, data=_eta(message.data))
        if kind == "position" and seen.driver_id is not None:
            return ServerSentEvent(event=kind, data=_only(kind, message.data))
        if kind == live.KIND:
            return ServerSentEvent(event="thread", data=live.seen_by(message.data, Party.CUSTOMER))
        return None
    if kind == "position" and seen.driver_id and message.data.get("driver_id") == seen.driver_id:
        return ServerSentEvent(event="position", data=_only("position", message.data))
    return None


def _channels(target: Target, seen: Visibility) -> tuple[str, ...]:
    """This shipment's channel, and its driver's positions only while the page may show them."""
    if seen.driver_id is None:
        return (shipment_channel(target.shipment_id),)
    return (shipment_channel(target.shipment_id), driver_channel(seen.driver_id))


@router.get("/t/{token}/events", response_class=EventSourceResponse)
async def tracking_events(
    request: Request, target: Annotated[Target, Depends(_target)]
) -> AsyncIterator[ServerSentEvent]:
    """Live updates for one tracking page.

    `ready` comes once the subscription is live; `map` says when the driver appears or goes;
    `thread` is a message of the customer's thread with the driver, as the customer reads it.
    """
    bus: Bus = request.app.state.bus
    database: Database = request.app.state.db
    seen = await run_in_threadpool(visibility, database, target)
    subscription = await bus.subscribe(*_channels(target, seen))
    try:
        checked = time.monotonic()
        yield ServerSentEvent(event="ready", data={"map": seen.driver_id is not None})
        while True:
            message = await subscription.get(timeout_s=HEARTBEAT_S)
            own = message is not None and message.channel == shipment_channel(target.shipment_id)
            if own or time.monotonic() - checked > RECHECK_S:
                now_seen = await run_in_threadpool(visibility, database, target)
                checked = time.monotonic()
                if now_seen != seen:
                    seen = now_seen
                    await subscription.retune(*_channels(target, seen))
                    yield ServerSentEvent(event="map", data={"visible": seen.driver_id is not None})
            if message is None:
                if await request.is_disconnected():
                    return
                yield ServerSentEvent(comment="heartbeat")
                continue
            event = forward(message, target=target, seen=seen)
            if event is not None:
                yield event
    finally:
        await subscription.close()
