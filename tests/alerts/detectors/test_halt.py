import json
from datetime import UTC, timedelta
from pathlib import Path

from tests.alerts.tracks import Track, at_m
from typer.testing import CliRunner

from lastmile.alerts.detectors.halt import REJUDGE, HaltContext, HaltDetector
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.geo import haversine_m
from lastmile.trips.cli import trips_app
from lastmile.trips.readers import read_track

THRESHOLDS = AlertThresholds(halt_min_s=600)
PLANNED_STOP = (1000.0, 0.0)


def context(parcels: int = 0) -> HaltContext:
    return HaltContext(
        planned_places=(at_m(*PLANNED_STOP), at_m(0, 0)), parcels_on_board=parcels, time_zone=UTC
    )


def run(track: Track, parcels: int = 0) -> list[Signal]:
    detector = HaltDetector("d1", THRESHOLDS)
    return [s for p in track for s in detector.push(p.at, p.lat, p.lon, context(parcels))]


def test_a_long_stop_away_from_the_route_raises_once_and_clears_when_driving_on() -> None:
    track = (
        Track(sigma_m=8)
        .drive(to=(500, 400), speed_mps=10)
        .stay(900)
        .drive(to=(900, 900), speed_mps=10)
    )
    signals = run(track)
    halts = [s for s in signals if s.kind is AlertKind.UNSCHEDULED_HALT]
    assert [s.raised for s in halts] == [True, False]
    raised = halts[0]
    assert raised.key == halts[1].key
    assert 600 <= (raised.at - track.points[0].at).total_seconds() - 40 <= 700
    assert not any(s.kind is AlertKind.SUSPICIOUS_STOP for s in signals)


def test_a_long_stop_at_a_planned_stop_is_not_an_exception() -> None:
    track = Track(sigma_m=8).drive(to=PLANNED_STOP, speed_mps=10).stay(1800)
    assert run(track) == []


def test_a_stop_at_a_place_no_longer_planned_is_judged_again_within_a_minute() -> None:
    """The driver completes the stop and stays: the halt counts from the stop's start."""
    track = Track(sigma_m=8).drive(to=PLANNED_STOP, speed_mps=10).stay(1500)
    done_at = track.points[0].at + timedelta(seconds=1000)
    after = HaltContext(planned_places=(at_m(0, 0),), parcels_on_board=0, time_zone=UTC)
    detector = HaltDetector("d1", THRESHOLDS)

    signals = [
        s
        for p in track
        for s in detector.push(p.at, p.lat, p.lon, context() if p.at < done_at else after)
    ]

    assert [s.raised for s in signals] == [True]
    assert done_at <= signals[0].at <= done_at + REJUDGE
    assert signals[0].details["minutes"] > 14


def test_jitter_and_multipath_while_parked_keep_one_halt() -> None:
    track = (
        Track(sigma_m=12).drive(to=(500, 400), speed_mps=10).stay(300).jump(east_m=400).stay(500)
    )
    halts = [s for s in run(track) if s.kind is AlertKind.UNSCHEDULED_HALT]
    assert [s.raised for s in halts] == [True]


def test_crawling_in_traffic_is_not_a_halt() -> None:
    track = Track(sigma_m=6).drive(to=(0, 2000), speed_mps=0.6)
    assert (track.points[-1].at - track.points[0].at).total_seconds() > 3000
    assert run(track) == []


def test_with_parcels_on_board_a_halt_is_suspicious_and_a_second_one_more_so() -> None:
    track = (
        Track(sigma_m=5)
        .drive(to=(500, 400), speed_mps=10)
        .stay(700)
        .drive(to=(2000, 2000), speed_mps=10)
        .stay(700)
    )
    suspicious = [
        s for s in run(track, parcels=4) if s.kind is AlertKind.SUSPICIOUS_STOP and s.raised
    ]
    assert [s.severity for s in suspicious] == [Severity.WARNING, Severity.CRITICAL]
    assert "1 earlier off-route halt" in suspicious[1].title


def test_the_halt_alert_and_trips_detect_find_the_same_stop(tmp_path: Path) -> None:
    """One stop detector: the live alert's halt is the stop `lastmile trips detect` prints."""
    track = (
        Track(sigma_m=8)
        .drive(to=(500, 400), speed_mps=10)
        .stay(900)
        .drive(to=(900, 900), speed_mps=10)
    )
    path = tmp_path / "trace.csv"
    rows = "".join(f"{p.at.isoformat()},{p.lat:.7f},{p.lon:.7f}\n" for p in track)
    path.write_text("timestamp,lat,lon\n" + rows)
    printed = CliRunner().invoke(trips_app, ["detect", "--input", str(path)])
    assert printed.exit_code == 0, printed.output
    segments = [json.loads(line) for line in printed.stdout.splitlines()]
    stops = [s for s in segments if s["kind"] == "stop"]

    detector = HaltDetector("d1", THRESHOLDS)
    halts = [
        s
        for p in read_track(path)
        for s in detector.push(p.at, p.lat, p.lon, context())
        if s.kind is AlertKind.UNSCHEDULED_HALT
    ]

    assert len(stops) == 1
    raised, cleared = halts
    assert raised.details["since"] == stops[0]["start"]
    assert cleared.at.isoformat() == stops[0]["end"]
    assert raised.lat is not None
    assert raised.lon is not None
    assert haversine_m(raised.lat, raised.lon, stops[0]["lat"], stops[0]["lon"]) < 5
