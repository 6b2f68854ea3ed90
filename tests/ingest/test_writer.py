import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import anyio
import pytest

from lastmile.ingest.store import FixStore, StoredFix
from lastmile.ingest.writer import BatchWriter

pytestmark = pytest.mark.anyio


class RecordingStore(FixStore):
    def __init__(self) -> None:
        self.written: list[StoredFix] = []

    def write(self, batch: Sequence[StoredFix]) -> None:
        self.written.extend(batch)


def _row() -> StoredFix:
    now = datetime.now(UTC)
    return StoredFix(
        driver_id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        device_id="w",
        at=now,
        received_at=now,
        lat=60.0,
        lon=25.0,
    )


async def test_fixes_are_committed_while_every_shared_worker_thread_is_busy() -> None:
    store = RecordingStore()
    writer = BatchWriter(store)
    await writer.start()
    release = threading.Event()
    busy = anyio.to_thread.current_default_thread_limiter().total_tokens
    try:
        async with anyio.create_task_group() as hooks:
            for _ in range(int(busy)):
                hooks.start_soon(anyio.to_thread.run_sync, release.wait)
            try:
                with anyio.fail_after(10):
                    await writer.write([_row()])
            finally:
                release.set()
        assert len(store.written) == 1
    finally:
        await writer.stop()
