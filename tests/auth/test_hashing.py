"""Hashing runs on a few threads of its own, and a full gate refuses at once."""

import threading

import pytest
from tests.contention import in_parallel

from lastmile.auth import credentials, hashing
from lastmile.errors import Busy


def test_hashes_run_on_the_gate_s_threads_a_few_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: set[str] = set()
    verify = credentials._verify

    def recording(password_hash: str, password: str) -> bool:
        threads.add(threading.current_thread().name)
        return verify(password_hash, password)

    monkeypatch.setattr(credentials, "_verify", recording)
    stored = credentials.hash_password("correct horse battery")
    results = in_parallel(8, lambda _: credentials.verify_password(stored, "correct horse battery"))
    assert results == [True] * 8
    assert all(name.startswith(hashing.THREAD_PREFIX) for name in threads), threads
    assert len(threads) <= hashing.gate.workers < 8


def test_a_full_gate_refuses_at_once_with_retry_after() -> None:
    gate = hashing.HashingGate(workers=1, max_waiting=0)
    started, release = threading.Event(), threading.Event()

    def hold() -> bool:
        started.set()
        return release.wait(timeout=30)

    holder = threading.Thread(target=gate.run, args=(hold,))
    holder.start()
    try:
        assert started.wait(timeout=30)
        with pytest.raises(Busy) as refused:
            gate.run(lambda: True)
        assert refused.value.status == 503
        assert refused.value.retry_after_s == 1
        assert gate.refused == 1
    finally:
        release.set()
        holder.join()
    assert gate.run(lambda: True) is True
