"""Pipeline stages that decide whether a fix is new, in order and believable."""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    """What `SpeedFilter` remembers of one device's track between fixes (`track.state`): the
    rejected jumps that agree with one another (`reanchor_after` of them re-anchor it), how many
    fixes in a row confirmed the reference, and since when the track has been suspect.

    Only `SpeedFilter` reads it: `handle` marks each live fix `suspect` while `suspect_since`
    is set, and `trust_again` clears it on a dispatcher's word (`ingest/trust_events.py`).
    Everyone else reads the verdict on the fix, `TrackedFix.suspect`: the store (`fixes.suspect`,
    `driver_positions.suspect`), the publisher (a suspect position to the fleet only, never in
    a trail), the ETA and the completion checks (`alerts/completion.py`), which leave it out.
    """

    fixes: list[Fix] = field(default_factory=list)
    agreeing: int = 0
    """Live fixes in a row, since the first or the last re-anchor, each reachable from the one
    before: 0 while the reference is a lone fix nothing has confirmed."""
    suspect_since: datetime | None = None
    """When the track was last re-anchored away from a confirmed one (or, since then, a jump
    was rejected); None while the track is trusted."""


REANCHORED = "speed.reanchored"
TELEPORTED = "speed.teleported"
"""Noted with `REANCHORED` when the track left was a confirmed one: the suspicion begins."""
DEFAULT_TRUST_AFTER_S = 600.0


class SpeedFilter:
    """Reject a jump that implies an impossible speed from the last live fix.

    Only live fixes are compared, so one bad jump never becomes the reference for the
    next fix. If the live fix itself was the bad one (a stale first fix, a long tunnel),
    every later fix would look impossible: so once `reanchor_after` rejected fixes in a
    row agree with each other, the latest is accepted and becomes the new reference.
    Late fixes are not judged here: there is no neighbour to compare them with.

    A re-anchor away from a confirmed track (one whose reference some later fix agreed
    with) is a teleport: a phone reporting a place the driver cannot have reached, or
    someone who knows an OsmAnd id sending consistent fixes. Such fixes, and the live ones
    after them, are marked `suspect` (stored and shown to the dispatcher, never to
    customers) until `trust_after_s` of fix time has passed since the re-anchor with no jump
    rejected meanwhile (each one restarts the count). Leaving a lone unconfirmed fix behind
    (a stale first fix, one bad fix) is no teleport.
    """

    name = "speed"

    def __init__(
        self,
        *,
        max_speed_mps: float = DEFAULT_MAX_SPEED_MPS,
        reanchor_after: int = DEFAULT_REANCHOR_AFTER,
        trust_after_s: float = DEFAULT_TRUST_AFTER_S,
    ) -> None:
        self.max_speed_mps = max_speed_mps
        self.reanchor_after = reanchor_after
        self.trust_after = timedelta(seconds=trust_after_s)

    def handle(self, item: TrackedFix, track: DriverTrack) -> Verdict:
        last = track.last_live
        if item.status is not Status.LIVE or last is None:
            return CONTINUE
        suspects = track.state(_Suspects)
        if self.plausible(last.fix, item.fix):
            suspects.fixes.clear()
            suspects.agreeing += 1
            self._judge_trust(item, suspects)
            return CONTINUE
        if suspects.fixes and self.plausible(suspects.fixes[-1], item.fix):
            suspects.fixes.append(item.fix)
        else:
            suspects.fixes = [item.fix]
        if len(suspects.fixes) >= self.reanchor_after:
            suspects.fixes.clear()
            item.note(REANCHORED)
            if suspects.agreeing > 0:
                item.note(TELEPORTED)
                suspects.suspect_since = item.fix.at
            suspects.agreeing = 0
            self._judge_trust(item, suspects)
            return CONTINUE
        if suspects.suspect_since is not None:
            suspects.suspect_since = item.fix.at
        return Verdict.reject("impossible_speed")

    def _judge_trust(self, item: TrackedFix, suspects: _Suspects) -> None:
        since = suspects.suspect_since
        if since is None:
            return
        if item.fix.at - since >= self.trust_after:
            suspects.suspect_since = None
        else:
            item.suspect = True

    @staticmethod
    def trust_again(track: DriverTrack) -> bool:
        """Trust the track from its next fix on (a dispatcher vouched for it), without waiting
        for `trust_after_s`; False if it was trusted already."""
        suspects = track.state(_Suspects)
        was_suspect = suspects.suspect_since is not None
        suspects.suspect_since = None
        return was_suspect

    def plausible(self, before: Fix, after: Fix) -> bool:
        """Whether `after` is reachable from `before`, allowing for both fixes' accuracy."""
        slack_m = (before.accuracy_m or 0.0) + (after.accuracy_m or 0.0)
        distance_m = haversine_m(before.lat, before.lon, after.lat, after.lon) - slack_m
        if distance_m <= 0:
            return True
        elapsed_s = (after.at - before.at).total_seconds()
        return elapsed_s > 0 and distance_m / elapsed_s <= self.max_speed_mps
