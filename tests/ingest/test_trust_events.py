"""A dispatcher who resolves a spoofing alert vouches for the track: every process's fix
pipeline trusts it again at its next fix, instead of after ten minutes of plausible ones."""

import uuid

import anyio
import pytest

from lastmile.bus import MemoryBus
from lastmile.bus.base import tracks_channel
from lastmile.ingest.filters import SpeedFilter
from lastmile.ingest.stages import DriverTrack, Stages
from lastmile.ingest.trust_events import hear_trust_restored, publish_trust_restored

pytestmark = pytest.mark.anyio


class _Process(Stages):
    """One server process's cleaning stages, telling when a trust message reached them."""

    def __init__(self) -> None:
        super().__init__([SpeedFilter(trust_after_s=600)])
        self.heard = anyio.Event()

    def known(self, device_id: str) -> DriverTrack | None:
        self.heard.set()  # the rest of the message is handled before the hearer awaits again
        return super().known(device_id)


async def test_a_vouched_track_is_trusted_at_its_next_fix_in_every_process(tracks) -> None:
    bus = MemoryBus()
    hearing, deaf = [_Process(), _Process()], _Process()
    driven = [tracks.fix(10.0 * s, 0, at_s=s) for s in range(0, 60, 5)]
    teleport = [tracks.fix(50_000 + 10.0 * s, 0, at_s=s) for s in range(60, 80, 5)]
    for stages in (*hearing, deaf):
        assert stages.process_many(driven + teleport)[-1].suspect
    async with anyio.create_task_group() as tasks:
        for stages in hearing:
            tasks.start_soon(hear_trust_restored, await bus.subscribe(tracks_channel()), stages)
        await publish_trust_restored(
            bus, driver_id=uuid.uuid4(), device_ids=["van-7", "never-seen-here"]
        )
        with anyio.fail_after(5):
            for stages in hearing:
                await stages.heard.wait()
        tasks.cancel_scope.cancel()
    onwards = tracks.fix(50_000 + 10.0 * 85, 0, at_s=85)
    for stages in hearing:
        assert not stages.process(onwards).suspect
        assert stages.known("never-seen-here") is None, "no track made for a stranger"
    assert deaf.process(onwards).suspect, "without the word, ten minutes still apply"


async def test_a_message_without_devices_is_skipped_and_the_next_one_heard(tracks, caplog) -> None:
    bus = MemoryBus()
    stages = _Process()
    stages.process_many([tracks.fix(0, 0, at_s=0)])
    subscription = await bus.subscribe(tracks_channel())
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(hear_trust_restored, subscription, stages)
        await bus.publish(tracks_channel(), {"type": "trust_restored", "driver_id": "x"})
        await publish_trust_restored(bus, driver_id=uuid.uuid4(), device_ids=["van-7"])
        with anyio.fail_after(5):
            await stages.heard.wait()
        tasks.cancel_scope.cancel()
    assert "without device ids" in caplog.text
