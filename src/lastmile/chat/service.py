"""Posting and reading a driver's thread; the live copy goes out after the commit."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.bus.base import driver_app_channel, staff_chat_channel
from lastmile.chat.models import ChatMessage, Sender
from lastmile.db import utcnow
from lastmile.dispatch.scope import get_scoped_driver
from lastmile.hubs.scope import EVERY_HUB, HubScope

MAX_PAGE = 200


def org_channel(org_id: object) -> str:
    """Every driver thread of an organisation (the dispatchers' view)."""
    return staff_chat_channel(org_id)


def driver_channel(org_id: object, driver_id: object) -> str:
    """One driver's thread (the driver app's view), on the app's one live channel."""
    return driver_app_channel(org_id, driver_id)


def post(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    sender: Sender,
    author: str,
    body: str,
    at: datetime | None = None,
    client_id: uuid.UUID | None = None,
    scope: HubScope = EVERY_HUB,
) -> ChatMessage:
    get_scoped_driver(session=session, org_id=org_id, driver_id=driver_id, scope=scope)
    now = utcnow()
    message = ChatMessage(
        org_id=org_id,
        driver_id=driver_id,
        sender=sender,
        author=author,
        body=body.strip(),
        client_id=client_id,
        at=at or now,
        recorded_at=now,
    )
    session.add(message)
    session.flush()
    return message


def thread(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    after: datetime | None = None,
    limit: int = MAX_PAGE,
    scope: HubScope = EVERY_HUB,
) -> list[ChatMessage]:
    """The thread oldest first; with `after`, only what was recorded since (for catching up)."""
    get_scoped_driver(session=session, org_id=org_id, driver_id=driver_id, scope=scope)
    query = select(ChatMessage).where(
        ChatMessage.org_id == org_id, ChatMessage.driver_id == driver_id
    )
    if after is not None:
        query = query.where(ChatMessage.recorded_at > after)
        query = query.order_by(ChatMessage.recorded_at, ChatMessage.id).limit(limit)
        return list(session.scalars(query))
    newest = query.order_by(ChatMessage.recorded_at.desc(), ChatMessage.id.desc()).limit(limit)
    return list(reversed(list(session.scalars(newest))))


def as_message(message: ChatMessage) -> dict[str, Any]:
    """The live copy published on the bus (also the API shape)."""
    return {
        "type": "message",
        "id": str(message.id),
        "driver_id": str(message.driver_id),
        "sender": message.sender.value,
        "author": message.author,
        "body": message.body,
        "at": message.at.isoformat(),
        "recorded_at": message.recorded_at.isoformat(),
    }
