"""The fleet stream's filter for a dispatcher limited to some hubs: whom each message is
about, one look-up per batch, and a verdict remembered for a while only."""

import uuid
from collections.abc import Collection

import pytest

from lastmile.bus.base import Message
from lastmile.dispatch.stream_scope import Kind, StreamScope, Subject, subjects_of

MINE, THEIRS = uuid.uuid4(), uuid.uuid4()


def _position(driver_id: uuid.UUID) -> Message:
    return Message("fleet:x", {"type": "position", "driver_id": str(driver_id)})


def test_each_message_names_whom_it_is_about() -> None:
    route, shipment, driver = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert subjects_of({"type": "position", "driver_id": str(driver)}) == ((Kind.DRIVER, driver),)
    assert subjects_of({"type": "stop", "route_id": str(route)}) == ((Kind.ROUTE, route),)
    alert = {"type": "alert", "route_id": str(route), "shipment_id": str(shipment)}
    assert subjects_of({**alert, "driver_id": str(driver)}) == (
        (Kind.ROUTE, route),
        (Kind.SHIPMENT, shipment),
    )
    driver_only = {"type": "alert", "route_id": None, "shipment_id": None}
    assert subjects_of({**driver_only, "driver_id": str(driver)}) == ((Kind.DRIVER, driver),)
    assert subjects_of({"type": "position", "driver_id": "not-a-uuid"}) == ()
    assert subjects_of({"type": "something new", "driver_id": str(driver)}) == ()


@pytest.mark.anyio
async def test_a_batch_is_looked_up_once_and_the_verdict_kept_for_its_ttl() -> None:
    asked: list[set[Subject]] = []
    visible = {(Kind.DRIVER, MINE)}

    def lookup(subjects: Collection[Subject]) -> set[Subject]:
        asked.append(set(subjects))
        return visible & set(subjects)

    now = [0.0]
    scope = StreamScope(lookup, ttl_s=30.0, clock=lambda: now[0])
    batch = [_position(THEIRS), _position(MINE), _position(THEIRS)]

    assert await scope.keep(batch) == [batch[1]]
    assert asked == [{(Kind.DRIVER, MINE), (Kind.DRIVER, THEIRS)}]
    now[0] = 29.0
    assert await scope.keep(batch) == [batch[1]]
    assert len(asked) == 1
    # Their driver was given a route of my hub meanwhile: heard once the verdict is stale.
    visible.add((Kind.DRIVER, THEIRS))
    now[0] = 31.0
    assert await scope.keep(batch) == batch
    assert len(asked) == 2
