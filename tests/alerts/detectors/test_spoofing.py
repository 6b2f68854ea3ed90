from tests.alerts.tracks import Track

from lastmile.alerts.detectors.spoofing import SpoofDetector
from lastmile.alerts.signals import AlertKind, Signal
from lastmile.alerts.thresholds import AlertThresholds


def run(track: Track, mock_from: int | None = None) -> list[Signal]:
    detector = SpoofDetector("d1", AlertThresholds())
    return [
        s
        for i, p in enumerate(track)
        for s in detector.push(p.at, p.lat, p.lon, mock=mock_from is not None and i >= mock_from)
    ]


def test_honest_driving_with_one_multipath_jump_is_not_spoofing() -> None:
    track = (
        Track(sigma_m=8)
        .drive(to=(3000, 0), speed_mps=25)
        .jump(east_m=600)
        .drive(to=(4000, 0), speed_mps=25)
    )
    assert run(track) == []


def test_the_mock_flag_raises_once_a_day() -> None:
    track = Track().drive(to=(2000, 0), speed_mps=10)
    signals = run(track, mock_from=5)
    assert [s.kind for s in signals] == [AlertKind.SPOOFED_LOCATION]


def test_repeated_teleports_raise() -> None:
    track = Track().drive(to=(500, 0), speed_mps=10)
    for _ in range(3):
        track.jump(east_m=5000).drive(to=(track.x + 50, 0), speed_mps=10)
    signals = run(track)
    assert len(signals) == 1
    assert "impossible jumps" in signals[0].title
