"""Which live messages (the fleet stream, `fleet.stream`, and the staff chat stream,
`chat.views`) a dispatcher limited to some hubs may hear: a position of a driver who drove
from their hubs, a stop of one of their routes, an alert they could open (`alerts.service`'s
rule), a driver's or customer's message about one of their drivers or orders. A message about
nothing the filter knows is not sent to them.

Whom a message is about is read from the database in a worker thread and remembered for
`TTL_S`, so a fleet's every fix costs a dictionary look-up, and a driver given a route of
the caller's hub shows within `TTL_S`.
"""

import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from enum import StrEnum
from typing import Any

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.deps import Principal
from lastmile.bus.base import Message
from lastmile.db import Database
from lastmile.dispatch.models import Route
from lastmile.dispatch.scope import where_driver
from lastmile.fleet.models import Driver
from lastmile.hubs.access import scope_of
from lastmile.hubs.scope import HubScope
from lastmile.shipments.models import Shipment

TTL_S = 30.0


class Kind(StrEnum):
    DRIVER = "driver"
    ROUTE = "route"
    SHIPMENT = "shipment"


type Subject = tuple[Kind, uuid.UUID]
type Lookup = Callable[[Collection[Subject]], set[Subject]]
"""Which of the subjects the caller may see (blocking: it reads the database)."""


def _id(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def subjects_of(data: Mapping[str, Any]) -> tuple[Subject, ...]:
    """What a message is about: seeing any one of them lets the caller hear it."""
    kind = data.get("type")
    found: list[tuple[Kind, uuid.UUID | None]] = []
    if kind == "position":
        found = [(Kind.DRIVER, _id(data.get("driver_id")))]
    elif kind == "stop":
        found = [(Kind.ROUTE, _id(data.get("route_id")))]
    elif kind == "alert":
        found = [
            (Kind.ROUTE, _id(data.get("route_id"))),
            (Kind.SHIPMENT, _id(data.get("shipment_id"))),
        ]
        if all(i is None for _, i in found):
            found = [(Kind.DRIVER, _id(data.get("driver_id")))]
    elif kind in ("message", "contact"):  # the staff copies of chat and customer messages
        found = [
            (Kind.SHIPMENT, _id(data.get("shipment_id"))),
            (Kind.DRIVER, _id(data.get("driver_id"))),
        ]
    return tuple((k, i) for k, i in found if i is not None)


def visible_subjects(
    *, session: Session, org_id: uuid.UUID, scope: HubScope, subjects: Collection[Subject]
) -> set[Subject]:
    """The subjects `scope` lets the caller see."""
    asked: dict[Kind, list[uuid.UUID]] = {kind: [] for kind in Kind}
    for kind, id_ in subjects:
        asked[kind].append(id_)
    queries = {
        Kind.DRIVER: where_driver(
            scope,
            select(Driver.id).where(Driver.org_id == org_id, Driver.id.in_(asked[Kind.DRIVER])),
            Driver.id,
        ),
        Kind.ROUTE: scope.where(
            select(Route.id).where(Route.org_id == org_id, Route.id.in_(asked[Kind.ROUTE])),
            Route.hub_id,
        ),
        Kind.SHIPMENT: scope.where(
            select(Shipment.id).where(
                Shipment.org_id == org_id, Shipment.id.in_(asked[Kind.SHIPMENT])
            ),
            Shipment.hub_id,
        ),
    }
    return {
        (kind, id_)
        for kind, query in queries.items()
        if asked[kind]
        for id_ in session.scalars(query)
    }


class StreamScope:
    """Keeps a limited caller's stream to what they may see."""

    def __init__(
        self, lookup: Lookup, *, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.lookup = lookup
        self.ttl_s = ttl_s
        self.clock = clock
        self._known: dict[Subject, tuple[bool, float]] = {}

    async def keep(self, batch: Sequence[Message]) -> list[Message]:
        """The messages of `batch` the caller may hear, in order (one look-up for the whole
        batch's subjects not known or known too long ago)."""
        now = self.clock()
        about = [subjects_of(m.data) for m in batch]
        stale = {
            s
            for subjects in about
            for s in subjects
            if (known := self._known.get(s)) is None or now - known[1] > self.ttl_s
        }
        if stale:
            visible = await anyio.to_thread.run_sync(self.lookup, stale)
            for subject in stale:
                self._known[subject] = (subject in visible, now)
        return [m for m, subjects in zip(batch, about, strict=True) if self._sees(subjects)]

    def _sees(self, subjects: Sequence[Subject]) -> bool:
        return any(self._known[s][0] for s in subjects)


def stream_scope_for(database: Database, principal: Principal) -> StreamScope | None:
    """The caller's filter (None: they see every hub), each read in a session of its own: the
    stream stays open for hours and must hold no database connection meanwhile. Blocking."""
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
