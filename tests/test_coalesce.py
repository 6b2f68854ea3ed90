import threading

import anyio
import pytest

from lastmile.coalesce import Coalescer

pytestmark = pytest.mark.anyio


async def test_keys_asked_during_a_call_share_the_next_one() -> None:
    entered, release = threading.Event(), threading.Event()
    calls: list[dict[int, str]] = []

    def load(requests: dict[int, str]) -> dict[int, str]:
        calls.append(requests)
        if len(calls) == 1:
            entered.set()
            release.wait(10)
        return {key: request.upper() for key, request in requests.items()}

    coalescer = Coalescer(load)
    answers: dict[int, str] = {}

    async def ask(key: int) -> None:
        answers[key] = await coalescer.get(key, f"r{key}")

    async with anyio.create_task_group() as group:
        group.start_soon(ask, 0)
        await anyio.to_thread.run_sync(entered.wait, 10)
        for key in range(1, 50):
            group.start_soon(ask, key)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert answers == {key: f"R{key}" for key in range(50)}
    assert [sorted(call) for call in calls] == [[0], list(range(1, 50))]


async def test_one_key_s_failure_is_its_own() -> None:
    def load(requests: dict[str, None]) -> dict[str, object]:
        return {key: ValueError(key) if key == "bad" else key for key in requests}

    coalescer = Coalescer(load)
    async with anyio.create_task_group() as group:
        group.start_soon(coalescer.get, "good", None)
        with pytest.raises(ValueError, match="bad"):
            await coalescer.get("bad", None)
    assert await coalescer.get("good", None) == "good"


async def test_a_failed_call_fails_its_callers_and_the_next_call_runs() -> None:
    attempts = 0

    def load(requests: dict[str, None]) -> dict[str, str]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("database down")
        return {key: key for key in requests}

    coalescer = Coalescer(load)
    with pytest.raises(ConnectionError):
        await coalescer.get("a", None)
    assert await coalescer.get("a", None) == "a"


async def test_calls_carry_at_most_max_keys() -> None:
    sizes: list[int] = []

    def load(requests: dict[int, None]) -> dict[int, int]:
        sizes.append(len(requests))
        return {key: key for key in requests}

    coalescer = Coalescer(load, max_keys=10)
    async with anyio.create_task_group() as group:
        for key in range(35):
            group.start_soon(coalescer.get, key, None)
    assert sum(sizes) == 35
    assert max(sizes) <= 10
