import uuid

import pytest

from lastmile.auth import recent
from lastmile.auth.recent import RecentlyVerified


def test_a_credential_is_remembered_until_its_time_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(recent.time, "monotonic", lambda: clock[0])
    cache = RecentlyVerified[str](ttl_s=10)
    cache.put("lm_abc_secret", "org A", owner=uuid.uuid4())
    assert cache.get("lm_abc_secret") == "org A"
    assert cache.get("lm_abc_other") is None
    clock[0] += 10.5
    assert cache.get("lm_abc_secret") is None


def test_forgetting_an_owner_drops_only_its_credentials() -> None:
    cache = RecentlyVerified[str]()
    revoked, kept = uuid.uuid4(), uuid.uuid4()
    cache.put("one", "a", owner=revoked)
    cache.put("two", "a", owner=revoked)
    cache.put("three", "b", owner=kept)
    cache.forget(revoked)
    assert (cache.get("one"), cache.get("two"), cache.get("three")) == (None, None, "b")


def test_the_oldest_entries_make_room() -> None:
    cache = RecentlyVerified[int](max_entries=2)
    for n in range(3):
        cache.put(f"key {n}", n, owner=uuid.uuid4())
    assert [cache.get(f"key {n}") for n in range(3)] == [None, 1, 2]
