"""The cleaning stages' machinery: an ordered list of handlers run on each fix of one device.

`pipeline.py` names the stages and tells the rest of a fix's path. A handler looks at one
`TrackedFix` and the driver's `DriverTrack` and answers with a `Verdict`: carry on, mark the
fix late (kept for history, never applied to the live position), or reject it (no later
handler runs). A handler that raises is logged and counted, and the fix carries on as if it
had said "carry on".
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from lastmile.types import Fix

log = logging.getLogger(__name__)

S = TypeVar("S")


class Status(StrEnum):
    LIVE = "live"
    LATE = "late"
    REJECTED = "rejected"


@dataclass(slots=True)
class TrackedFix:
    """A fix on its way through the pipeline; handlers annotate it and never replace `fix`.

    `smoothed_lat`/`smoothed_lon` stay `None` until a smoothing handler fills them; the raw
    position is always `fix.lat`/`fix.lon`. `suspect` marks a live fix of a track that
    teleported and is not trusted again yet (`SpeedFilter`): never shown to customers.
    `notes` are things handlers observed (`note`), counted by the pipeline as `note.<text>`.
    Both tuples are empty for nearly every fix, so none is made for it.
    """

    fix: Fix
    status: Status = Status.LIVE
    reason: str | None = None
    smoothed_lat: float | None = None
    smoothed_lon: float | None = None
    suspect: bool = False
    notes: tuple[str, ...] = ()
    failed_handlers: tuple[str, ...] = ()

    def note(self, text: str) -> None:
        self.notes += (text,)

    @property
    def lat(self) -> float:
        """The best latitude we have: smoothed if a smoother ran, else raw."""
        return self.fix.lat if self.smoothed_lat is None else self.smoothed_lat

    @property
    def lon(self) -> float:
        return self.fix.lon if self.smoothed_lon is None else self.smoothed_lon


class Action(StrEnum):
    CONTINUE = "continue"
    LATE = "late"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str | None = None

    @classmethod
    def late(cls, reason: str) -> "Verdict":
        return cls(Action.LATE, reason)

    @classmethod
    def reject(cls, reason: str) -> "Verdict":
        return cls(Action.REJECT, reason)


CONTINUE = Verdict(Action.CONTINUE)


class DriverTrack:
    """What the pipeline remembers about one device between fixes.

    `last_live` is the newest fix applied to the live position. Each handler keeps its
    own state in a small class of its own, fetched with `state(kind)`, so adding a handler
    never means editing this class.
    """

    __slots__ = ("_states", "device_id", "last_live")

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.last_live: TrackedFix | None = None
        self._states: dict[type, object] = {}

    def state(self, kind: type[S], factory: Callable[[], S] | None = None) -> S:
        """This track's instance of `kind`, made by `factory` (or `kind()`) on first use."""
        found = self._states.get(kind)
        if found is None:
            found = factory() if factory is not None else kind()
            self._states[kind] = found
        if not isinstance(found, kind):
            raise TypeError(f"state for {kind.__name__} is a {type(found).__name__}")
        return found


class Handler(Protocol):
    """One stage of the pipeline; `name` labels its log lines and counters."""

    @property
    def name(self) -> str: ...

    def handle(self, item: TrackedFix, track: DriverTrack) -> Verdict: ...


class Stages:
    """Runs its handlers in order on each fix and keeps per-driver tracks and counters.

    Fixes of one device must be fed from one task at a time; different devices are
    independent. `counters` holds `fixes`, `live`, `late.<reason>`, `rejected.<reason>`,
    `note.<text>` and `handler_error.<name>`.
    """

    def __init__(self, handlers: Sequence[Handler]) -> None:
        names = [handler.name for handler in handlers]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"handler names must be unique; repeated: {', '.join(duplicated)}")
        self.handlers = tuple(handlers)
        self.counters: Counter[str] = Counter()
        self._tracks: dict[str, DriverTrack] = {}

    def track(self, device_id: str) -> DriverTrack:
        found = self._tracks.get(device_id)
        if found is None:
            found = self._tracks[device_id] = DriverTrack(device_id)
        return found

    def known(self, device_id: str) -> DriverTrack | None:
        """The device's track if it sent a fix to this process since it started (or was
        forgotten)."""
        return self._tracks.get(device_id)

    def forget(self, device_id: str) -> None:
        """Drop a device's track, e.g. at the end of a shift; its next fix starts afresh."""
        self._tracks.pop(device_id, None)

    def process(self, fix: Fix) -> TrackedFix:
        track = self.track(fix.device_id)
        item = TrackedFix(fix)
        self.counters["fixes"] += 1
        for handler in self.handlers:
            try:
                verdict = handler.handle(item, track)
            except Exception:
                log.exception(
                    "ingest handler %r failed on the fix of %s at %s; the fix carries on",
                    handler.name,
                    fix.device_id,
                    fix.at.isoformat(),
                )
                self.counters[f"handler_error.{handler.name}"] += 1
                item.failed_handlers += (handler.name,)
                continue
            if verdict is CONTINUE:
                continue
            if verdict.action is Action.REJECT:
                item.status, item.reason = Status.REJECTED, verdict.reason
                self.counters[f"rejected.{verdict.reason}"] += 1
                break
            if verdict.action is Action.LATE and item.status is Status.LIVE:
                item.status, item.reason = Status.LATE, verdict.reason
                self.counters[f"late.{verdict.reason}"] += 1
        for note in item.notes:
            self.counters[f"note.{note}"] += 1
        if item.status is Status.LIVE:
            track.last_live = item
            self.counters["live"] += 1
        return item

    def process_many(self, fixes: Iterable[Fix]) -> list[TrackedFix]:
        """Process fixes that arrived together oldest first, so a batch is not marked late."""
        return [self.process(fix) for fix in sorted(fixes, key=lambda fix: fix.at)]
