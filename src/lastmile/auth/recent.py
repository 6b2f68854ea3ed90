"""Credentials verified moments ago, so that a phone posting every few seconds costs no
database query per request.

A revocation takes effect at once in the process that made it (it calls `forget`) and within
`ttl_s` in the others. Credentials are kept only as SHA-256 digests.
"""

import hashlib
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

TTL_S = 10.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True, slots=True)
class _Entry[T]:
    expires: float
    owner: uuid.UUID
    value: T


class RecentlyVerified[T]:
    def __init__(self, *, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, _Entry[T]] = OrderedDict()

    @staticmethod
    def _digest(credential: str) -> bytes:
        return hashlib.sha256(credential.encode()).digest()

    def get(self, credential: str) -> T | None:
        """Who the credential belonged to when last verified, if that was under `ttl_s` ago."""
        digest = self._digest(credential)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            del self._entries[digest]
            return None
        return entry.value

    def put(self, credential: str, value: T, *, owner: uuid.UUID) -> None:
        """Remember a verified credential; `owner` is what a revocation names (key, driver)."""
        digest = self._digest(credential)
        self._entries[digest] = _Entry(time.monotonic() + self.ttl_s, owner, value)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def discard(self, credential: str) -> None:
        """Drop this one credential (a signed-out session); its owner's others stay known."""
        self._entries.pop(self._digest(credential), None)

    def forget(self, owner: uuid.UUID) -> None:
        """Drop every credential of this owner: the next request is verified afresh."""
        for digest in [d for d, entry in self._entries.items() if entry.owner == owner]:
            del self._entries[digest]
