import logging
from dataclasses import dataclass, field

import pytest

from lastmile.ingest.pipeline import clean_stages
from lastmile.ingest.stages import CONTINUE, DriverTrack, Stages, Status, Verdict

PATH = [(0.0, 0.0), (800.0, 0.0), (800.0, 800.0)]


@dataclass
class Recorder:
    """A handler that notes which fixes it saw and answers with a fixed verdict."""

    name: str
    verdict: Verdict = CONTINUE
    calls: list[str] = field(default_factory=list)
    log: list[str] | None = None

    def handle(self, item, track):
        self.calls.append(item.fix.at.isoformat())
        if self.log is not None:
            self.log.append(self.name)
        return self.verdict


class Broken:
    name = "broken"

    def handle(self, item, track):
        raise RuntimeError("boom")


def drive(tracks, seed=11, interval_s=2.0):
    return [
        sample.fix
        for sample in tracks.drive(
            PATH, speed_mps=10.0, interval_s=interval_s, noise_m=4.0, seed=seed
        )
    ]


class TestPipeline:
    def test_handlers_run_in_the_order_given(self, tracks):
        order: list[str] = []
        pipeline = Stages(
            [Recorder("b", log=order), Recorder("a", log=order), Recorder("c", log=order)]
        )
        pipeline.process(tracks.fix())
        assert order == ["b", "a", "c"]

    def test_a_rejection_stops_later_handlers_and_is_counted(self, tracks):
        after = Recorder("after")
        pipeline = Stages([Recorder("judge", Verdict.reject("nope")), after])
        item = pipeline.process(tracks.fix())
        assert (item.status, item.reason) == (Status.REJECTED, "nope")
        assert after.calls == []
        assert pipeline.counters["rejected.nope"] == 1
        assert pipeline.track("van-7").last_live is None

    def test_a_late_fix_reaches_later_handlers_but_not_the_live_position(self, tracks):
        after = Recorder("after")
        pipeline = Stages([Recorder("clock", Verdict.late("old")), after])
        item = pipeline.process(tracks.fix())
        assert (item.status, item.reason) == (Status.LATE, "old")
        assert len(after.calls) == 1
        assert pipeline.counters["late.old"] == 1
        assert pipeline.track("van-7").last_live is None

    def test_the_first_late_reason_is_kept(self, tracks):
        pipeline = Stages(
            [Recorder("one", Verdict.late("first")), Recorder("two", Verdict.late("second"))]
        )
        assert pipeline.process(tracks.fix()).reason == "first"
        assert pipeline.counters["late.second"] == 0

    def test_a_live_fix_becomes_the_tracks_live_position(self, tracks):
        pipeline = Stages([Recorder("noop")])
        item = pipeline.process(tracks.fix())
        assert item.status is Status.LIVE
        assert pipeline.track("van-7").last_live is item
        assert pipeline.counters["live"] == pipeline.counters["fixes"] == 1

    def test_a_failing_handler_is_logged_counted_and_never_drops_the_fix(self, tracks, caplog):
        after = Recorder("after")
        pipeline = Stages([Broken(), after])
        with caplog.at_level(logging.ERROR, logger="lastmile.ingest.stages"):
            item = pipeline.process(tracks.fix())
        assert item.status is Status.LIVE
        assert item.failed_handlers == ("broken",)
        assert len(after.calls) == 1
        assert pipeline.counters["handler_error.broken"] == 1
        assert "'broken'" in caplog.records[0].getMessage()
        assert caplog.records[0].exc_info is not None

    def test_handler_names_must_be_unique(self):
        with pytest.raises(ValueError, match="repeated: twice"):
            Stages([Recorder("twice"), Recorder("once"), Recorder("twice")])

    def test_notes_are_counted(self, tracks):
        class Noter:
            name = "noter"

            def handle(self, item, track):
                item.note("saw.it")
                return CONTINUE

        pipeline = Stages([Noter()])
        pipeline.process(tracks.fix(at_s=0))
        pipeline.process(tracks.fix(at_s=1))
        assert pipeline.counters["note.saw.it"] == 2

    def test_process_many_handles_a_batch_oldest_first(self, tracks):
        seen = Recorder("seen")
        pipeline = Stages([seen])
        fixes = [tracks.fix(at_s=second) for second in (3, 1, 2)]
        results = pipeline.process_many(fixes)
        assert [item.fix.at for item in results] == sorted(fix.at for fix in fixes)
        assert seen.calls == sorted(seen.calls)

    def test_forget_starts_a_device_afresh(self, tracks):
        pipeline = Stages([Recorder("noop")])
        pipeline.process(tracks.fix())
        pipeline.forget("van-7")
        assert pipeline.track("van-7").last_live is None


class TestDriverTrack:
    def test_state_is_made_once_per_kind(self):
        @dataclass
        class Counter:
            seen: int = 0

        track = DriverTrack("van-7")
        track.state(Counter).seen += 1
        track.state(Counter).seen += 1
        assert track.state(Counter).seen == 2

    def test_state_factory_is_used_on_first_use(self):
        @dataclass
        class Window:
            size: int

        track = DriverTrack("van-7")
        assert track.state(Window, lambda: Window(5)).size == 5
        assert track.state(Window, lambda: Window(9)).size == 5

    def test_a_factory_of_the_wrong_kind_is_refused(self):
        track = DriverTrack("van-7")
        with pytest.raises(TypeError, match="state for int"):
            track.state(int, lambda: "not an int")  # type: ignore[arg-type,return-value]


class TestStandardHandlers:
    """The pure stages together on synthetic tracks."""

    def test_a_clean_drive_is_all_live_and_smoothed(self, tracks):
        pipeline = Stages(clean_stages())
        results = pipeline.process_many(drive(tracks))
        assert all(item.status is Status.LIVE for item in results)
        assert all(item.smoothed_lat is not None for item in results)
        assert pipeline.counters["live"] == len(results)

    def test_one_multipath_jump_is_rejected_and_the_drive_goes_on(self, tracks):
        fixes = drive(tracks)
        jumped = fixes[40]
        east_m, north_m = tracks.local(jumped.lat, jumped.lon)
        fixes[40] = tracks.fix(
            east_m + 2000.0, north_m, at_s=(jumped.at - tracks.t0).total_seconds()
        )
        pipeline = Stages(clean_stages())
        results = [pipeline.process(fix) for fix in fixes]
        rejected = [index for index, item in enumerate(results) if item.status is not Status.LIVE]
        assert rejected == [40]
        assert results[40].reason == "impossible_speed"
        assert pipeline.counters["rejected.impossible_speed"] == 1
        smoothed = [
            tracks.local(item.lat, item.lon) for item in results if item.status is Status.LIVE
        ]
        assert max(tracks.distance_to_path(point, PATH) for point in smoothed) < 15.0

    def test_a_wrong_first_fix_is_left_behind(self, tracks):
        fixes = drive(tracks)
        stale = tracks.fix(-4000.0, 3000.0, at_s=-2.0, accuracy_m=20.0)
        pipeline = Stages(clean_stages())
        results = [pipeline.process(fix) for fix in [stale, *fixes]]
        assert [item.status for item in results[1:3]] == [Status.REJECTED, Status.REJECTED]
        assert all(item.status is Status.LIVE for item in results[3:])
        assert pipeline.counters["note.speed.reanchored"] == 1

    def test_repeats_are_dropped_once_each(self, tracks):
        fixes = drive(tracks)
        pipeline = Stages(clean_stages())
        results = [pipeline.process(fix) for fix in fixes for _ in range(2)]
        assert [item.status for item in results[1::2]] == [Status.REJECTED] * len(fixes)
        assert pipeline.counters["rejected.duplicate"] == len(fixes)
        assert pipeline.counters["live"] == len(fixes)

    def test_out_of_order_fixes_are_late_and_never_move_the_live_position_back(self, tracks):
        fixes = drive(tracks)
        arrival = list(fixes)
        arrival[10:30] = sorted(arrival[10:30], key=lambda fix: fix.at, reverse=True)
        pipeline = Stages(clean_stages())
        track = pipeline.track("van-7")
        live_times = []
        late = []
        for fix in arrival:
            item = pipeline.process(fix)
            live_times.append(track.last_live.fix.at)
            if item.status is Status.LATE:
                late.append(item)
        assert live_times == sorted(live_times)
        assert len(late) == 19
        assert all(item.reason == "out_of_order" and item.smoothed_lat is None for item in late)
        assert pipeline.counters["late.out_of_order"] == 19

    def test_a_parked_phone_keeps_every_fix(self, tracks):
        samples = tracks.parked(count=120, interval_s=5.0, noise_m=8.0, accuracy_m=15.0, seed=2)
        pipeline = Stages(clean_stages())
        results = [pipeline.process(sample.fix) for sample in samples]
        assert all(item.status is Status.LIVE for item in results)

    def test_a_fix_with_poor_accuracy_is_rejected(self, tracks):
        pipeline = Stages(clean_stages(max_accuracy_m=50.0))
        pipeline.process(tracks.fix(0, 0, at_s=0))
        item = pipeline.process(tracks.fix(5, 0, at_s=5, accuracy_m=80.0))
        assert item.reason == "low_accuracy"
        assert pipeline.counters["rejected.low_accuracy"] == 1

    def test_the_mock_location_flag_is_kept(self, tracks):
        pipeline = Stages(clean_stages())
        item = pipeline.process(tracks.fix(mock=True))
        assert item.status is Status.LIVE
        assert item.fix.mock is True

    def test_devices_are_independent(self, tracks):
        pipeline = Stages(clean_stages())
        pipeline.process(tracks.fix(0, 0, at_s=10, device_id="van-7"))
        other = pipeline.process(tracks.fix(3000, 0, at_s=5, device_id="van-8"))
        assert other.status is Status.LIVE
