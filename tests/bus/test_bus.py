import uuid
from collections.abc import AsyncIterator

import pytest

from lastmile.bus import Bus, MemoryBus, Message, open_bus
from lastmile.bus.memory import QUEUE_SIZE
from lastmile.errors import InvalidInput

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    opened = open_bus(url)
    yield opened
    await opened.close()


async def test_subscribers_get_messages_in_order(bus: Bus) -> None:
    channel = f"fleet:{uuid.uuid4()}"
    first = await bus.subscribe(channel)
    second = await bus.subscribe(channel)
    for i in range(50):
        await bus.publish(channel, {"n": i})
    for subscription in (first, second):
        received = [await subscription.get(timeout_s=5) for _ in range(50)]
        assert [m.data["n"] for m in received if m] == list(range(50))
        await subscription.close()


async def test_what_is_ready_comes_at_once_in_order_and_no_more(bus: Bus) -> None:
    channel = f"fleet:{uuid.uuid4()}"
    subscription = await bus.subscribe(channel)
    for i in range(10):
        await bus.publish(channel, {"n": i})
    first = await subscription.get(timeout_s=5)
    received = [first] if first else []
    while len(received) < 10:  # the Redis relay may still be bringing some in
        received += subscription.ready(3) or [m for m in [await subscription.get(5)] if m]
    assert [m.data["n"] for m in received] == list(range(10))
    assert subscription.ready(100) == []
    await subscription.close()


async def test_channels_are_separate(bus: Bus) -> None:
    mine, theirs = f"fleet:{uuid.uuid4()}", f"fleet:{uuid.uuid4()}"
    subscription = await bus.subscribe(mine)
    await bus.publish(theirs, {"secret": True})
    await bus.publish(mine, {"ok": True})
    message = await subscription.get(timeout_s=5)
    assert message is not None
    assert (message.channel, message.data) == (mine, {"ok": True})
    assert await subscription.get(timeout_s=0.2) is None
    await subscription.close()


async def test_one_message_on_several_channels(bus: Bus) -> None:
    fleet, driver = f"fleet:{uuid.uuid4()}", f"driver:{uuid.uuid4()}"
    both = await bus.subscribe(fleet, driver)
    one = await bus.subscribe(driver)
    await bus.publish_to((fleet, driver), {"n": 1})
    got = [await both.get(timeout_s=5), await both.get(timeout_s=5), await one.get(timeout_s=5)]
    assert sorted((m.channel, m.data["n"]) for m in got if m) == sorted(
        [(fleet, 1), (driver, 1), (driver, 1)]
    )
    for subscription in (both, one):
        await subscription.close()


async def test_retuning_keeps_what_was_queued_and_follows_the_new_channels(bus: Bus) -> None:
    kept, dropped, added = (f"fleet:{uuid.uuid4()}" for _ in range(3))
    subscription = await bus.subscribe(kept, dropped)
    await bus.publish(kept, {"n": 1})
    first = await subscription.get(timeout_s=5)
    await bus.publish(kept, {"n": 2})
    await subscription.retune(kept, added)
    await bus.publish(dropped, {"n": "gone"})
    await bus.publish(added, {"n": 3})
    await bus.publish(kept, {"n": 4})
    rest = [await subscription.get(timeout_s=5) for _ in range(3)]
    assert [m.data["n"] for m in (first, *rest) if m] == [1, 2, 3, 4]
    assert await subscription.get(timeout_s=0.2) is None
    await subscription.close()


async def test_a_slow_subscriber_loses_the_oldest_not_the_newest() -> None:
    bus = MemoryBus()
    subscription = await bus.subscribe("c")
    for i in range(QUEUE_SIZE + 5):
        await bus.publish("c", {"n": i})
    first = await subscription.get(timeout_s=1)
    assert first is not None
    assert first.data["n"] == 5
    assert subscription.dropped == 5


def test_unknown_bus_url_names_the_setting() -> None:
    with pytest.raises(InvalidInput, match="LASTMILE_BUS_URL"):
        open_bus("kafka://x")


async def test_a_burst_of_concurrent_publishes_is_absorbed(bus: Bus) -> None:
    import asyncio

    channel = f"burst:{uuid.uuid4()}"
    subscription = await bus.subscribe(channel)
    await asyncio.gather(*(bus.publish(channel, {"n": i}) for i in range(500)))
    received = {
        (await subscription.get(timeout_s=5) or Message(channel, {})).data.get("n")
        for _ in range(500)
    }
    assert received == set(range(500))
    await subscription.close()


async def test_concurrent_publishes_arrive_in_the_order_they_were_made(bus: Bus) -> None:
    import asyncio

    channel = f"driver:{uuid.uuid4()}"
    subscription = await bus.subscribe(channel)
    await asyncio.gather(*(bus.publish_to((channel,), {"n": i}) for i in range(300)))
    received = [await subscription.get(timeout_s=5) for _ in range(300)]
    assert [m.data["n"] for m in received if m] == list(range(300))
    await subscription.close()


async def test_a_publish_redis_did_not_take_fails_and_the_next_one_tries_again() -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    unreachable = open_bus("redis://127.0.0.1:1/0")
    try:
        for attempt in range(2):
            with pytest.raises(RedisConnectionError):
                await unreachable.publish_to(("fleet:x",), {"attempt": attempt})
    finally:
        await unreachable.close()
