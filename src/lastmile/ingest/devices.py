"""Device identifier → owner, for every fix: the whole directory held in memory.

The directory is read in one query and re-read in the background every `refresh_s`, so a
fleet's phones cost one query per refresh instead of one each (2,000 phones whose cached
entries expired together once stalled every fix behind 2,000 look-ups: bench/load.py).
An identifier missing from the copy is looked up on its own (a phone registered since the
last read, perhaps in another process); unknown ones are remembered only briefly, and that
memory is bounded, because the OsmAnd endpoint is open and identifiers are caller-chosen.

`forget(identifiers)` is called after a change in this process: until a read that began
after it has finished, those identifiers (or, with none named, all) are looked up on their
own, so the change counts at once here and within `refresh_s` in the other processes.
"""

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import anyio

from lastmile.db import Database
from lastmile.errors import NotFound
from lastmile.fleet import service as fleet

log = logging.getLogger(__name__)

REFRESH_S = 30.0
UNKNOWN_DEVICE_CACHE_S = 2.0
MAX_LOOKED_UP = 100_000


@dataclass(frozen=True, slots=True)
class DeviceOwner:
    org_id: uuid.UUID
    driver_id: uuid.UUID
    device_id: str


class DeviceDirectory:
    def __init__(
        self,
        database: Database,
        *,
        refresh_s: float = REFRESH_S,
        max_looked_up: int = MAX_LOOKED_UP,
    ) -> None:
        self.database = database
        self.refresh_s = refresh_s
        self.max_looked_up = max_looked_up
        self.reads = 0
        self.lookups = 0
        self.unknown = 0
        """Identifiers asked for that no device has (OsmAnd drops their fixes)."""
        self._copy: dict[str, DeviceOwner] | None = None
        self._read_at = 0.0
        self._changes = 0
        self._all_changed_at: int | None = None
        self._changed_at: dict[str, int] = {}
        self._reading: asyncio.Task[None] | None = None
        self._looked_up: OrderedDict[str, tuple[float, DeviceOwner | None]] = OrderedDict()

    def _read_all(self) -> dict[str, DeviceOwner]:
        with self.database.session() as session:
            return {
                identifier: DeviceOwner(org_id, driver_id, identifier)
                for identifier, org_id, driver_id in fleet.device_owners(session=session)
            }

    def _lookup(self, identifier: str) -> DeviceOwner | None:
        with self.database.session() as session:
            device = fleet.find_device(session=session, identifier=identifier)
            if device is None:
                return None
            return DeviceOwner(device.org_id, device.driver_id, device.identifier)

    async def _read(self) -> None:
        """Read the whole directory; on failure keep the old copy (identifiers missing from it
        are still looked up one by one)."""
        changes = self._changes
        started = time.monotonic()
        try:
            copy = await anyio.to_thread.run_sync(self._read_all)
        except Exception:
            log.exception("reading the device directory failed; keeping the previous copy")
            self._read_at = started
            return
        self.reads += 1
        self._copy, self._read_at = copy, started
        if self._all_changed_at is not None and self._all_changed_at <= changes:
            self._all_changed_at = None
        self._changed_at = {i: n for i, n in self._changed_at.items() if n > changes}
        self._looked_up.clear()

    def _start_read(self) -> asyncio.Task[None]:
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read(), name="device-directory-read")
        return self._reading

    async def owner(self, identifier: str) -> DeviceOwner:
        """The owner of a registered device; NotFound for any other identifier."""
        if self._copy is None:
            await self._start_read()
        elif time.monotonic() - self._read_at > self.refresh_s:
            self._start_read()
        found = self._from_copy(identifier)
        if found is None:
            found = await self._looked_up_owner(identifier)
        if found is None:
            self.unknown += 1
            raise NotFound(f"device {identifier!r} is not registered to any driver")
        return found

    def _from_copy(self, identifier: str) -> DeviceOwner | None:
        """The owner as of the last whole read, unless it changed here since."""
        if self._copy is None or self._all_changed_at is not None:
            return None
        if identifier in self._changed_at:
            return None
        return self._copy.get(identifier)

    async def _looked_up_owner(self, identifier: str) -> DeviceOwner | None:
        now = time.monotonic()
        cached = self._looked_up.get(identifier)
        if cached is not None and cached[0] > now:
            return cached[1]
        changes = self._changes
        owner = await anyio.to_thread.run_sync(self._lookup, identifier)
        self.lookups += 1
        if changes != self._changes:
            return owner
        ttl = self.refresh_s if owner is not None else UNKNOWN_DEVICE_CACHE_S
        self._looked_up[identifier] = (now + ttl, owner)
        self._looked_up.move_to_end(identifier)
        while len(self._looked_up) > self.max_looked_up:
            self._looked_up.popitem(last=False)
        return owner

    def forget(self, identifiers: Iterable[str] | None = None) -> None:
        """Devices changed in this process: look these identifiers (None: all) up afresh until
        a whole read that began after this call."""
        self._changes += 1
        if identifiers is None:
            self._all_changed_at = self._changes
            self._looked_up.clear()
            return
        for identifier in identifiers:
            self._changed_at[identifier] = self._changes
            self._looked_up.pop(identifier, None)
