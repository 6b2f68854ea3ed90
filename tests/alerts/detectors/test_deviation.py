from tests.alerts.tracks import Track, at_m

from lastmile.alerts.corridor import Corridor
from lastmile.alerts.detectors.deviation import DeviationDetector
from lastmile.alerts.signals import AlertKind, Signal
from lastmile.alerts.thresholds import AlertThresholds

ROAD = Corridor([at_m(0, 0), at_m(3000, 0), at_m(3000, 3000)])
THRESHOLDS = AlertThresholds(corridor_m=200, deviation_min_s=120)


def run(track: Track) -> list[Signal]:
    detector = DeviationDetector("r1", ROAD, THRESHOLDS)
    return [s for p in track for s in detector.push(p.at, p.lat, p.lon, accuracy_m=10)]


def test_corridor_distance_is_measured_to_the_nearest_segment() -> None:
    assert abs(ROAD.distance_m(*at_m(1500, 120)) - 120) < 1
    assert abs(ROAD.distance_m(*at_m(3100, 1500)) - 100) < 1
    assert abs(ROAD.distance_m(*at_m(-300, 400)) - 500) < 1


def test_a_detour_raises_one_alert_and_clears_on_return() -> None:
    track = (
        Track(sigma_m=5)
        .drive(to=(1000, 0), speed_mps=10)
        .drive(to=(1000, 800), speed_mps=10)
        .drive(to=(2000, 800), speed_mps=10)
        .drive(to=(2000, 0), speed_mps=10)
        .drive(to=(3000, 0), speed_mps=10)
    )
    signals = run(track)
    assert [(s.kind, s.raised) for s in signals] == [
        (AlertKind.ROUTE_DEVIATION, True),
        (AlertKind.ROUTE_DEVIATION, False),
    ]
    assert signals[0].key == signals[1].key


def test_a_traffic_jam_inside_the_corridor_is_not_a_deviation() -> None:
    track = Track(sigma_m=15).drive(to=(1000, 0), speed_mps=10).drive(to=(1300, 0), speed_mps=0.3)
    assert run(track) == []


def test_skimming_the_corridor_edge_is_one_excursion_thanks_to_hysteresis() -> None:
    def skim() -> Track:
        track = Track(sigma_m=15, seed=3).drive(to=(500, 0), speed_mps=10)
        track.drive(to=(500, 230), speed_mps=5).drive(to=(2500, 230), speed_mps=5)
        return track.drive(to=(2500, 0), speed_mps=5)

    assert len([s for s in run(skim()) if s.raised]) == 1
    without_hysteresis = DeviationDetector(
        "r1", ROAD, AlertThresholds(corridor_m=200, deviation_min_s=120, corridor_return_ratio=1.0)
    )
    flapping = [
        s for p in skim() for s in without_hysteresis.push(p.at, p.lat, p.lon, accuracy_m=10)
    ]
    assert len([s for s in flapping if s.raised]) != 1


def test_a_single_multipath_jump_is_not_a_deviation() -> None:
    track = Track(sigma_m=5).drive(to=(1000, 0), speed_mps=10).jump(east_m=0).stay(10)
    track.points.append(type(track.points[0])(track.t, *at_m(1000, 900)))
    track.drive(to=(2000, 0), speed_mps=10)
    assert run(track) == []
