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

An open protocol (OsmAnd, `open_protocol=True`) may be refused a device its organisation did
not have issued by us (`osmand_issued_ids_only`). Such a device is answered by the very path
of an identifier no one has: missing from the copy, looked up alone (or remembered briefly),
then NotFound. The organisations' setting is read with the whole directory, so a change made
in another process counts within `refresh_s`; `issued_ids_only` makes one count here at once.
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
from lastmile.orgsettings import service as orgsettings

log = logging.getLogger(__name__)

REFRESH_S = 30.0
UNKNOWN_DEVICE_CACHE_S = 2.0
MAX_LOOKED_UP = 100_000


@dataclass(frozen=True, slots=True)
class DeviceOwner:
    org_id: uuid.UUID
    driver_id: uuid.UUID
    device_id: str
    issued: bool = False
    """The device id was issued by us (long and random), not typed in by hand."""


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
        self._issued_only: frozenset[uuid.UUID] = frozenset()
        self._issued_only_changes = 0
        self._read_at = 0.0
        self._changes = 0
        self._all_changed_at: int | None = None
        self._changed_at: dict[str, int] = {}
        self._reading: asyncio.Task[None] | None = None
        self._looked_up: OrderedDict[str, tuple[float, DeviceOwner | None]] = OrderedDict()

    def _read_all(self) -> tuple[dict[str, DeviceOwner], frozenset[uuid.UUID]]:
        with self.database.session() as session:
            owners = {
                identifier: DeviceOwner(org_id, driver_id, identifier, issued)
                for identifier, org_id, driver_id, issued in fleet.device_owners(session=session)
            }
            return owners, orgsettings.issued_ids_only_orgs(session=session)

    def _lookup(self, identifier: str) -> DeviceOwner | None:
        with self.database.session() as session:
            device = fleet.find_device(session=session, identifier=identifier)
            if device is None:
                return None
            return DeviceOwner(device.org_id, device.driver_id, device.identifier, device.issued)

    async def _read(self) -> None:
        """Read the whole directory; on failure keep the old copy (identifiers missing from it
        are still looked up one by one)."""
        changes, issued_only_changes = self._changes, self._issued_only_changes
        started = time.monotonic()
        try:
            copy, issued_only = await anyio.to_thread.run_sync(self._read_all)
        except Exception:
            log.exception("reading the device directory failed; keeping the previous copy")
            self._read_at = started
            return
        self.reads += 1
        self._copy, self._read_at = copy, started
        if issued_only_changes == self._issued_only_changes:  # else one here may be newer
            self._issued_only = issued_only
        if self._all_changed_at is not None and self._all_changed_at <= changes:
            self._all_changed_at = None
        self._changed_at = {i: n for i, n in self._changed_at.items() if n > changes}
        self._looked_up.clear()

    def _start_read(self) -> asyncio.Task[None]:
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read(), name="device-directory-read")
        return self._reading

    async def owner(self, identifier: str, *, open_protocol: bool = False) -> DeviceOwner:
        """The owner of a registered device; NotFound for any other identifier, and on an
        open protocol for a device its organisation refuses there."""
        if self._copy is None:
            await self._start_read()
        elif time.monotonic() - self._read_at > self.refresh_s:
            self._start_read()
        found = self._from_copy(identifier)
        if found is None or (open_protocol and self._refused(found)):
            found = await self._looked_up_owner(identifier)
        if found is not None and open_protocol and self._refused(found):
            found = None
        if found is None:
            self.unknown += 1
            raise NotFound(f"device {identifier!r} is not registered to any driver")
        return found

    def _refused(self, owner: DeviceOwner) -> bool:
        """Refused on an open protocol: typed in by hand, in an organisation that refuses it."""
        return not owner.issued and owner.org_id in self._issued_only

    def issued_ids_only(self, org_id: uuid.UUID, on: bool) -> None:
        """An organisation's `osmand_issued_ids_only` changed in this process: count it now."""
        self._changes += 1
        self._issued_only_changes += 1
        self._issued_only = self._issued_only | {org_id} if on else self._issued_only - {org_id}
        self._looked_up.clear()

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
        # A device refused on an open protocol is remembered as briefly as an unknown one,
        # so that the two take the same path (and time) when probed again.
        known = owner is not None and not self._refused(owner)
        ttl = self.refresh_s if known else UNKNOWN_DEVICE_CACHE_S
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
