from datetime import timedelta

from tests.alerts.tracks import START

from lastmile.alerts.detectors.gps_lost import LastContact, check_gps_lost
from lastmile.alerts.signals import Severity
from lastmile.alerts.thresholds import AlertThresholds

THRESHOLDS = AlertThresholds(gps_lost_moving_s=300, gps_lost_parked_s=1800)


def contact(speed_mps: float | None) -> LastContact:
    return LastContact("d1", START, 60.17, 24.93, speed_mps, battery_pct=41)


def test_a_tunnel_gap_shorter_than_the_threshold_is_not_lost() -> None:
    now = START + timedelta(seconds=200)
    assert check_gps_lost(contact(15), now=now, on_shift=True, thresholds=THRESHOLDS) is None


def test_silence_after_moving_is_lost_sooner_than_silence_while_parked() -> None:
    now = START + timedelta(minutes=10)
    moving = check_gps_lost(contact(15), now=now, on_shift=True, thresholds=THRESHOLDS)
    assert moving is not None
    assert moving.severity is Severity.CRITICAL
    assert "54 km/h" in moving.title
    assert "41%" in moving.title
    assert check_gps_lost(contact(0), now=now, on_shift=True, thresholds=THRESHOLDS) is None
    later = START + timedelta(minutes=31)
    parked = check_gps_lost(contact(0), now=later, on_shift=True, thresholds=THRESHOLDS)
    assert parked is not None
    assert parked.severity is Severity.WARNING
    assert "parked" in parked.title


def test_off_shift_silence_is_nobody_s_business() -> None:
    now = START + timedelta(hours=5)
    assert check_gps_lost(contact(15), now=now, on_shift=False, thresholds=THRESHOLDS) is None


def test_the_same_silence_keeps_one_key() -> None:
    first = check_gps_lost(
        contact(15), now=START + timedelta(minutes=6), on_shift=True, thresholds=THRESHOLDS
    )
    again = check_gps_lost(
        contact(15), now=START + timedelta(minutes=9), on_shift=True, thresholds=THRESHOLDS
    )
    assert first is not None
    assert again is not None
    assert first.key == again.key
