from datetime import timedelta

import pytest

from lastmile.ingest.filters import (
    REANCHORED,
    TELEPORTED,
    AccuracyFilter,
    Dedupe,
    OrderGuard,
    SpeedFilter,
)
from lastmile.ingest.stages import CONTINUE, DriverTrack, Stages, Status, TrackedFix, Verdict
from lastmile.types import Fix


def live(fix, track):
    """Record `fix` as the track's live position, as the pipeline does after its handlers."""
    item = TrackedFix(fix)
    track.last_live = item
    return item


@pytest.fixture
def track():
    return DriverTrack("van-7")


class TestDedupe:
    def test_an_exact_repeat_is_rejected(self, tracks, track):
        dedupe = Dedupe()
        assert dedupe.handle(TrackedFix(tracks.fix(5, 5, at_s=1)), track) == CONTINUE
        again = dedupe.handle(TrackedFix(tracks.fix(5, 5, at_s=1)), track)
        assert again == Verdict.reject("duplicate")

    @pytest.mark.parametrize(("east_m", "at_s"), [(6.0, 1.0), (5.0, 2.0)])
    def test_a_different_time_or_position_is_new(self, tracks, track, east_m, at_s):
        dedupe = Dedupe()
        dedupe.handle(TrackedFix(tracks.fix(5, 5, at_s=1)), track)
        assert dedupe.handle(TrackedFix(tracks.fix(east_m, 5, at_s=at_s)), track) == CONTINUE

    def test_other_fields_do_not_make_a_repeat_new(self, tracks, track):
        dedupe = Dedupe()
        dedupe.handle(TrackedFix(tracks.fix(5, 5, at_s=1, battery_pct=50.0)), track)
        repeat = TrackedFix(tracks.fix(5, 5, at_s=1, battery_pct=49.0))
        assert dedupe.handle(repeat, track).reason == "duplicate"

    def test_memory_is_bounded(self, tracks, track):
        dedupe = Dedupe(memory=3)
        for second in range(4):
            dedupe.handle(TrackedFix(tracks.fix(0, 0, at_s=second)), track)
        assert dedupe.handle(TrackedFix(tracks.fix(0, 0, at_s=0)), track) == CONTINUE
        assert dedupe.handle(TrackedFix(tracks.fix(0, 0, at_s=3)), track).reason == "duplicate"

    def test_tracks_are_separate(self, tracks):
        dedupe = Dedupe()
        dedupe.handle(TrackedFix(tracks.fix(0, 0)), DriverTrack("van-7"))
        assert dedupe.handle(TrackedFix(tracks.fix(0, 0)), DriverTrack("van-8")) == CONTINUE


class TestOrderGuard:
    def test_the_first_fix_is_in_order(self, tracks, track):
        assert OrderGuard().handle(TrackedFix(tracks.fix()), track) == CONTINUE

    @pytest.mark.parametrize("at_s", [5.0, 10.0])
    def test_a_fix_not_newer_than_the_live_one_is_late(self, tracks, track, at_s):
        live(tracks.fix(0, 0, at_s=10), track)
        verdict = OrderGuard().handle(TrackedFix(tracks.fix(9, 9, at_s=at_s)), track)
        assert verdict == Verdict.late("out_of_order")

    def test_a_newer_fix_is_in_order(self, tracks, track):
        live(tracks.fix(0, 0, at_s=10), track)
        assert OrderGuard().handle(TrackedFix(tracks.fix(0, 0, at_s=11)), track) == CONTINUE


class TestAccuracyFilter:
    @pytest.mark.parametrize(
        ("accuracy_m", "passes"), [(None, True), (100.0, True), (100.5, False)]
    )
    def test_default_bound_is_100_m(self, tracks, track, accuracy_m, passes):
        verdict = AccuracyFilter().handle(TrackedFix(tracks.fix(accuracy_m=accuracy_m)), track)
        assert verdict == (CONTINUE if passes else Verdict.reject("low_accuracy"))

    def test_bound_is_configurable(self, tracks, track):
        verdict = AccuracyFilter(max_accuracy_m=20.0).handle(
            TrackedFix(tracks.fix(accuracy_m=25.0)), track
        )
        assert verdict.reason == "low_accuracy"


class TestSpeedFilter:
    def test_the_first_fix_passes(self, tracks, track):
        assert SpeedFilter().handle(TrackedFix(tracks.fix(2000, 0)), track) == CONTINUE

    def test_a_possible_speed_passes(self, tracks, track):
        live(tracks.fix(0, 0, at_s=0, accuracy_m=5.0), track)
        fast = TrackedFix(tracks.fix(300, 0, at_s=5, accuracy_m=5.0))
        assert SpeedFilter().handle(fast, track) == CONTINUE

    def test_a_2_km_jump_in_5_s_is_rejected(self, tracks, track):
        live(tracks.fix(0, 0, at_s=0), track)
        jump = TrackedFix(tracks.fix(2000, 0, at_s=5))
        assert SpeedFilter().handle(jump, track) == Verdict.reject("impossible_speed")

    def test_accuracy_is_allowed_for(self, tracks, track):
        live(tracks.fix(0, 0, at_s=0, accuracy_m=50.0), track)
        wobble = TrackedFix(tracks.fix(100, 0, at_s=1, accuracy_m=50.0))
        assert SpeedFilter(max_speed_mps=10.0).handle(wobble, track) == CONTINUE

    def test_a_same_time_jump_is_rejected(self, tracks, track):
        live(tracks.fix(0, 0, at_s=0), track)
        jump = TrackedFix(tracks.fix(500, 0, at_s=0))
        assert SpeedFilter().handle(jump, track).reason == "impossible_speed"

    def test_late_fixes_are_not_judged(self, tracks, track):
        live(tracks.fix(0, 0, at_s=10), track)
        late = TrackedFix(tracks.fix(5000, 0, at_s=5), status=Status.LATE)
        assert SpeedFilter().handle(late, track) == CONTINUE

    def test_agreeing_rejected_fixes_become_the_new_reference(self, tracks, track):
        speed = SpeedFilter(reanchor_after=3)
        live(tracks.fix(5000, 5000, at_s=0), track)
        items = [TrackedFix(tracks.fix(10.0 * second, 0, at_s=second)) for second in range(1, 5)]
        verdicts = []
        for item in items:
            verdicts.append(speed.handle(item, track))
            if verdicts[-1] == CONTINUE:
                live(item.fix, track)
        assert [verdict.action for verdict in verdicts] == [
            "reject",
            "reject",
            "continue",
            "continue",
        ]
        assert [item.notes for item in items] == [(), (), ("speed.reanchored",), ()]

    def test_scattered_rejected_fixes_do_not_reanchor(self, tracks, track):
        speed = SpeedFilter(reanchor_after=3)
        live(tracks.fix(0, 0, at_s=0), track)
        for second, east_m in enumerate([3000, -3000, 3000, -3000], start=1):
            item = TrackedFix(tracks.fix(east_m, 0, at_s=second))
            assert speed.handle(item, track).reason == "impossible_speed"


class TestSuspicion:
    """A re-anchor away from a confirmed track is a teleport: its fixes are suspect (never shown
    to customers) until `trust_after_s` of plausible movement has passed."""

    @staticmethod
    def _run(stages: Stages, fixes: list[Fix]) -> list[TrackedFix]:
        return [stages.process(fix) for fix in fixes]

    def test_a_teleport_is_suspect_until_ten_minutes_of_plausible_movement(self, tracks):
        stages = Stages([SpeedFilter(trust_after_s=600)])
        driven = [tracks.fix(10.0 * s, 0, at_s=s) for s in range(0, 60, 5)]
        teleport = [tracks.fix(50_000 + 10.0 * s, 0, at_s=s) for s in range(60, 1300, 5)]
        items = self._run(stages, driven + teleport)
        assert not any(item.suspect for item in items[: len(driven)])
        jumped = items[len(driven) :]
        assert [item.status for item in jumped[:3]] == ["rejected", "rejected", "live"]
        assert jumped[2].notes == (REANCHORED, TELEPORTED)
        trusted_at = [item.fix.at for item in jumped if item.status == "live" and not item.suspect]
        assert trusted_at[0] - jumped[2].fix.at == timedelta(minutes=10)
        assert all(item.suspect for item in jumped[2:] if item.fix.at < trusted_at[0])

    def test_another_jump_meanwhile_restarts_the_count(self, tracks):
        stages = Stages([SpeedFilter(trust_after_s=600)])
        driven = [tracks.fix(10.0 * s, 0, at_s=s) for s in range(0, 60, 5)]
        teleport = [tracks.fix(50_000 + 10.0 * s, 0, at_s=s) for s in range(60, 300, 5)]
        glitch = [tracks.fix(-50_000, 0, at_s=302)]
        onwards = [tracks.fix(50_000 + 10.0 * s, 0, at_s=s) for s in range(305, 1000, 5)]
        items = self._run(stages, driven + teleport + glitch + onwards)
        trusted = [i for i in items[len(driven) + 3 :] if i.status == "live" and not i.suspect]
        first_trusted = trusted[0].fix.at
        assert first_trusted == tracks.t0 + timedelta(seconds=905), "602 s after the glitch"

    def test_leaving_a_wrong_first_fix_behind_is_no_teleport(self, tracks):
        stages = Stages([SpeedFilter()])
        stale = tracks.fix(-4000, 3000, at_s=0)
        driven = [tracks.fix(10.0 * s, 0, at_s=s) for s in range(1, 60, 5)]
        items = self._run(stages, [stale, *driven])
        assert items[3].notes == (REANCHORED,)
        assert not any(item.suspect for item in items)
