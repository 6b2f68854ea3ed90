"""The ways fixes come in, one function per protocol: decode → owner → ingest.

The app's routes (`ingest.views`) and the fast path (`ingest.fast_path`) both call these, so
what a request means and whose track it feeds is decided in one place. `claim_*` does
everything but storing and raises the app's own error on the way (nothing is stored then);
`ingest_*` then hands the claim to the ingestor.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from lastmile.auth.deps import Principal
from lastmile.db import utcnow
from lastmile.driver_auth.deps import DriverPrincipal
from lastmile.errors import InvalidInput, MalformedRequest, NotFound
from lastmile.ingest.devices import DeviceDirectory, DeviceOwner
from lastmile.ingest.protocols.native import NativeBatch, fixes_from_batch
from lastmile.ingest.protocols.osmand import decode_osmand_request
from lastmile.ingest.protocols.owntracks import decode_owntracks
from lastmile.ratelimit.limiter import RateLimiter
from lastmile.types import Fix

log = logging.getLogger(__name__)

Caller = Principal | DriverPrincipal | None
"""Who sent the fixes, which decides whose track they feed: an API key's organisation (the
registered driver of the device, within it), a signed-in driver (their own track, from any
app install), or no one (an open device protocol: the device's registered driver)."""

_ID_FIELDS = {"id", "deviceid", "device_id"}


class Ingests[R](Protocol):
    """What the ways in need of the ingestor (`app.state.ingestor`): its device directory, and
    storing fixes for their owner."""

    devices: DeviceDirectory

    async def ingest(self, fixes: Sequence[Fix], *, owner: DeviceOwner) -> R: ...


class DeviceOfAnotherOrganisation(NotFound):
    """A device registered in another organisation than the caller's: answered as unknown."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A request's fixes, decoded and checked, and the owner they will be stored for."""

    fixes: list[Fix]
    owner: DeviceOwner

    async def ingest[R](self, ingestor: Ingests[R]) -> R:
        return await ingestor.ingest(self.fixes, owner=self.owner)


async def owner_of(device_id: str, *, caller: Caller, devices: DeviceDirectory) -> DeviceOwner:
    """The owner of `device_id`'s fixes sent by `caller`; NotFound for a device it may not use."""
    if isinstance(caller, DriverPrincipal):
        return DeviceOwner(org_id=caller.org_id, driver_id=caller.driver_id, device_id=device_id)
    owner = await devices.owner(device_id, open_protocol=caller is None)
    if caller is not None and owner.org_id != caller.org_id:
        raise DeviceOfAnotherOrganisation(f"device {device_id!r} is not registered to any driver")
    return owner


async def claim_native(
    batch: NativeBatch,
    *,
    caller: Principal | DriverPrincipal,
    devices: DeviceDirectory,
    max_future_s: float,
) -> Claim:
    """Our driver app's batch, from an API key (`POST /api/v1/fixes`) or a driver session
    (`POST /api/v1/driver/fixes`, where `device_id` names the app install)."""
    fixes = fixes_from_batch(batch, now=utcnow(), max_future_s=max_future_s)
    return Claim(fixes, await owner_of(batch.device_id, caller=caller, devices=devices))


async def claim_osmand(
    query: Mapping[str, str],
    content_type: str | None,
    body: bytes,
    *,
    devices: DeviceDirectory,
    max_future_s: float,
    limiter: RateLimiter,
) -> Claim | None:
    """Traccar Client and other OsmAnd trackers: open, the device id decides the driver.

    None for a device id no one registered: its fixes are dropped and counted
    (`DeviceDirectory.unknown`), and the tracker is answered as for a known one, so that
    nobody learns which ids exist by trying them. Each id has its own rate limit, known or
    not (and each address another, `ratelimit.deps.RateLimitMiddleware`)."""
    try:
        fixes = decode_osmand_request(
            query, content_type, body, now=utcnow(), max_future_s=max_future_s
        )
    except InvalidInput as error:
        if error.field in _ID_FIELDS:  # without its device a request means nothing: 400
            raise MalformedRequest(error.detail, errors=error.errors) from None
        raise
    device_id = fixes[0].device_id
    await limiter.hit(limiter.rules.osmand_device, device_id)
    try:
        owner = await owner_of(device_id, caller=None, devices=devices)
    except NotFound:
        log.debug("OsmAnd fixes of the unknown device %r dropped", device_id)
        return None
    return Claim(fixes, owner)


async def claim_owntracks(
    body: bytes,
    *,
    user: str,
    device: str,
    caller: Principal | None,
    devices: DeviceDirectory,
    max_future_s: float,
) -> Claim | None:
    """OwnTracks' JSON message from `<user>/<device>`; None for a message that is no fix."""
    fix = decode_owntracks(body, user=user, device=device, now=utcnow(), max_future_s=max_future_s)
    if fix is None:
        return None
    return Claim([fix], await owner_of(fix.device_id, caller=caller, devices=devices))


async def ingest_native[R](
    batch: NativeBatch,
    *,
    caller: Principal | DriverPrincipal,
    ingestor: Ingests[R],
    max_future_s: float,
) -> R:
    claim = await claim_native(
        batch, caller=caller, devices=ingestor.devices, max_future_s=max_future_s
    )
    return await claim.ingest(ingestor)


async def ingest_osmand[R](
    query: Mapping[str, str],
    content_type: str | None,
    body: bytes,
    *,
    ingestor: Ingests[R],
    max_future_s: float,
    limiter: RateLimiter,
) -> R | None:
    """None when the device is unknown (its fixes dropped)."""
    claim = await claim_osmand(
        query,
        content_type,
        body,
        devices=ingestor.devices,
        max_future_s=max_future_s,
        limiter=limiter,
    )
    return None if claim is None else await claim.ingest(ingestor)


async def ingest_owntracks[R](
    body: bytes,
    *,
    user: str,
    device: str,
    caller: Principal | None,
    ingestor: Ingests[R],
    max_future_s: float,
) -> R | None:
    """None when the message was no fix."""
    claim = await claim_owntracks(
        body,
        user=user,
        device=device,
        caller=caller,
        devices=ingestor.devices,
        max_future_s=max_future_s,
    )
    return None if claim is None else await claim.ingest(ingestor)
