from tests.alerts.tracks import START, at_m

from lastmile.alerts.detectors.proof import check_proof_distance, check_track_at_completion
from lastmile.alerts.signals import AlertKind
from lastmile.alerts.thresholds import AlertThresholds

THRESHOLDS = AlertThresholds(proof_max_distance_m=200, track_max_distance_m=500)
ADDRESS = at_m(0, 0)


def test_proof_near_the_address_is_fine_and_far_raises() -> None:
    near = check_proof_distance(
        stop_id="s", at=START, address=ADDRESS, proof_position=at_m(120, 0), thresholds=THRESHOLDS
    )
    far = check_proof_distance(
        stop_id="s", at=START, address=ADDRESS, proof_position=at_m(350, 0), thresholds=THRESHOLDS
    )
    assert near is None
    assert far is not None
    assert far.kind is AlertKind.PROOF_FAR_FROM_ADDRESS
    assert "350 m" in far.title


def test_a_completion_while_the_track_was_elsewhere_raises() -> None:
    there = check_track_at_completion(
        stop_id="s", at=START, address=ADDRESS, track_position=at_m(80, 40), thresholds=THRESHOLDS
    )
    away = check_track_at_completion(
        stop_id="s", at=START, address=ADDRESS, track_position=at_m(2000, 0), thresholds=THRESHOLDS
    )
    assert there is None
    assert away is not None
    assert away.kind is AlertKind.DELIVERY_WHILE_ELSEWHERE


def test_no_position_no_judgement() -> None:
    assert (
        check_proof_distance(
            stop_id="s", at=START, address=ADDRESS, proof_position=None, thresholds=THRESHOLDS
        )
        is None
    )
