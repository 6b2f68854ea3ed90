"""A track trusted again on a dispatcher's word, as a bus event heard by every process.

A teleported track's fixes stay suspect (hidden from customers, no ETA) until
`SpeedFilter.trust_after_s` of plausible fixes have passed. A dispatcher who resolves the
spoofing alert vouches for the track: the alert's view publishes `trust_restored` with the
driver's devices, and each server process's fix pipeline (`hear_trust_restored`) trusts those
devices' tracks from their next fix on. A lost message costs the early trust only: the track
is trusted again after the usual wait anyway.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from lastmile.bus.base import Bus, Subscription, tracks_channel
from lastmile.bus.from_thread import publish_from_thread
from lastmile.ingest.filters import SpeedFilter
from lastmile.ingest.stages import Stages

log = logging.getLogger(__name__)


def trust_message(driver_id: uuid.UUID, device_ids: Sequence[str]) -> dict[str, Any]:
    return {"type": "trust_restored", "driver_id": str(driver_id), "device_ids": list(device_ids)}


async def publish_trust_restored(
    bus: Bus, *, driver_id: uuid.UUID, device_ids: Sequence[str]
) -> None:
    """Tell every process to trust the driver's devices' tracks again (after the commit)."""
    await bus.publish(tracks_channel(), trust_message(driver_id, device_ids))


def announce_trust_restored(bus: Bus, *, driver_id: uuid.UUID, device_ids: Sequence[str]) -> None:
    """`publish_trust_restored` from a synchronous view, once committed."""
    publish_from_thread(
        partial(publish_trust_restored, bus, driver_id=driver_id, device_ids=device_ids),
        what=f"the trust restored of driver {driver_id}'s track",
    )


def trust_again(stages: Stages, device_ids: Iterable[str]) -> int:
    """Trust these devices' tracks from their next fix on; how many were suspect here."""
    restored = 0
    for device_id in device_ids:
        track = stages.known(device_id)
        if track is not None and SpeedFilter.trust_again(track):
            restored += 1
    return restored


async def hear_trust_restored(subscription: Subscription, stages: Stages) -> None:
    """Hear tracks trusted again in any process (a subscription to `tracks_channel`), for as
    long as the server runs."""
    try:
        async for message in subscription:
            device_ids = message.data.get("device_ids")
            if message.data.get("type") != "trust_restored" or not isinstance(device_ids, list):
                log.warning("a track message without device ids: %r", message.data)
                continue
            restored = trust_again(stages, (str(d) for d in device_ids))
            if restored:
                log.info(
                    "trusting %d track(s) of driver %s again: a dispatcher vouched for them",
                    restored,
                    message.data.get("driver_id"),
                )
    finally:
        await subscription.close()
