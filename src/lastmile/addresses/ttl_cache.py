"""A bounded cache whose entries expire: the least recently used go first when it is full.

Thread-safe. Answers of a geocoding service are kept so that the same text is not asked
again (Nominatim's usage policy asks for it); no answer (a timeout, a 429) is never kept.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class TtlCache[K: Hashable, V]:
    def __init__(
        self, max_entries: int, ttl_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_entries
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: K, value: V) -> None:
        if self._max <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + self._ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
