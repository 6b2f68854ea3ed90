from datetime import timedelta

from tests.alerts.tracks import START

from lastmile.alerts.detectors.lateness import check_late_risk, check_sla_breach
from lastmile.alerts.thresholds import AlertThresholds

WINDOW_END = START + timedelta(hours=2)


def test_an_eta_inside_the_window_clears_and_past_it_raises() -> None:
    inside = check_late_risk(
        stop_id="s",
        eta=WINDOW_END - timedelta(minutes=5),
        window_end=WINDOW_END,
        now=START,
        thresholds=AlertThresholds(),
    )
    late = check_late_risk(
        stop_id="s",
        eta=WINDOW_END + timedelta(minutes=25),
        window_end=WINDOW_END,
        now=START,
        thresholds=AlertThresholds(),
    )
    assert inside is not None
    assert not inside.raised
    assert late is not None
    assert late.raised
    assert "25 min" in late.title
    assert inside.key == late.key


def test_a_margin_tolerates_small_overruns() -> None:
    signal = check_late_risk(
        stop_id="s",
        eta=WINDOW_END + timedelta(minutes=4),
        window_end=WINDOW_END,
        now=START,
        thresholds=AlertThresholds(late_risk_margin_s=300),
    )
    assert signal is not None
    assert not signal.raised


def test_sla_breach_only_after_the_window_and_only_while_not_done() -> None:
    assert (
        check_sla_breach(
            stop_id="s", window_end=WINDOW_END, now=WINDOW_END - timedelta(seconds=1), done=False
        )
        is None
    )
    assert (
        check_sla_breach(
            stop_id="s", window_end=WINDOW_END, now=WINDOW_END + timedelta(seconds=1), done=True
        )
        is None
    )
    breach = check_sla_breach(
        stop_id="s", window_end=WINDOW_END, now=WINDOW_END + timedelta(seconds=1), done=False
    )
    assert breach is not None
    assert breach.raised
