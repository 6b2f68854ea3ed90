"""Pipeline stages that decide whether a fix is new, in order and believable."""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from lastmile.geo import haversine_m
from lastmile.ingest.stages import CONTINUE, DriverTrack, Status, TrackedFix, Verdict
from lastmile.types import Fix

DEFAULT_MAX_ACCURACY_M = 100.0
DEFAULT_MAX_SPEED_MPS = 70.0
DEFAULT_REANCHOR_AFTER = 3
DEFAULT_DEDUPE_MEMORY = 256

_Key = tuple[datetime, float, float]


@dataclass(slots=True)
class _Recent:
    """The last few (`at`, lat, lon) keys seen for one device, oldest dropped first."""

    capacity: int
    order: deque[_Key] = field(default_factory=deque)
    members: set[_Key] = field(default_factory=set)

    def add(self, key: _Key) -> bool:
        """Remember `key`; False if it was already there."""
        if key in self.members:
            return False
        self.order.append(key)
        self.members.add(key)
        if len(self.order) > self.capacity:
            self.members.discard(self.order.popleft())
        return True


class Dedupe:
    """Reject exact repeats (same `at` and position) of a recent fix, e.g. a retried upload."""

    name = "dedupe"

    def __init__(self, *, memory: int = DEFAULT_DEDUPE_MEMORY) -> None:
        self.memory = memory

    def handle(self, item: TrackedFix, track: DriverTrack) -> Verdict:
        recent = track.state(_Recent, lambda: _Recent(self.memory))
        fix = item.fix
        if recent.add((fix.at, fix.lat, fix.lon)):
            return CONTINUE
        return Verdict.reject("duplicate")


class OrderGuard:
    """Mark a fix no newer than the live position as late: stored, never applied live."""

    name = "order"

    def handle(self, item: TrackedFix, track: DriverTrack) -> Verdict:
        last = track.last_live
        if last is not None and item.fix.at <= last.fix.at:
            return Verdict.late("out_of_order")
        return CONTINUE


class AccuracyFilter:
    """Reject a fix whose reported accuracy is worse than `max_accuracy_m`."""

    name = "accuracy"

    def __init__(self, *, max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M) -> None:
        self.max_accuracy_m = max_accuracy_m

    def handle(self, item: TrackedFix, track: DriverTrack) -> Verdict:
        accuracy_m = item.fix.accuracy_m
        if accuracy_m is not None and accuracy_m > self.max_accuracy_m:
            return Verdict.reject("low_accuracy")
        return CONTINUE


@dataclass(slots=True)
class _Suspects:
    """Recently rejected jumps that agree with one another."""

    fixes: list[Fix] = field(default_factory=list)


class SpeedFilter:
    """Reject a jump that implies an impossible speed from the last live fix.

    Only live fixes are compared, so one bad jump never becomes the reference for the
    next fix. If the live fix itself was the bad one (a stale first fix, a long tunnel),
    every later fix would look impossible: so once `reanchor_after` rejected fixes in a
    row agree with each other, the latest is accepted and becomes the new reference.
    Late fixes are not judged here: there is no neighbour to compare them with.
    """

    name = "speed"

    def __init__(
        self,
        *,
        max_speed_mps: float = DEFAULT_MAX_SPEED_MPS,
        reanchor_after: int = DEFAULT_REANCHOR_AFTER,
    ) -> None:
        self.max_speed_mps = max_speed_mps
        self.reanchor_after = reanchor_after

    def handle(self, item: TrackedFix, track: DriverTrack) -> Verdict:
        last = track.last_live
        if item.status is not Status.LIVE or last is None:
            return CONTINUE
        suspects = track.state(_Suspects)
        if self.plausible(last.fix, item.fix):
            suspects.fixes.clear()
            return CONTINUE
        if suspects.fixes and self.plausible(suspects.fixes[-1], item.fix):
            suspects.fixes.append(item.fix)
        else:
            suspects.fixes = [item.fix]
        if len(suspects.fixes) >= self.reanchor_after:
            suspects.fixes.clear()
            item.note("speed.reanchored")
            return CONTINUE
        return Verdict.reject("impossible_speed")

    def plausible(self, before: Fix, after: Fix) -> bool:
        """Whether `after` is reachable from `before`, allowing for both fixes' accuracy."""
        slack_m = (before.accuracy_m or 0.0) + (after.accuracy_m or 0.0)
        distance_m = haversine_m(before.lat, before.lon, after.lat, after.lon) - slack_m
        if distance_m <= 0:
            return True
        elapsed_s = (after.at - before.at).total_seconds()
        return elapsed_s > 0 and distance_m / elapsed_s <= self.max_speed_mps
