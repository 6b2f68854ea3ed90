import math
from datetime import timedelta

import pytest

from lastmile.ingest.smoothing import Axis, KalmanSmoother, KalmanState, Smooth
from lastmile.ingest.stages import DriverTrack, Status, TrackedFix

CORNER = [(0.0, 0.0), (600.0, 0.0), (600.0, 600.0)]


def smooth_all(samples, smoother=None):
    """Run the smoother over the samples; the smoothed points in local metres."""
    smoother = smoother or KalmanSmoother()
    state: KalmanState | None = None
    points = []
    for sample in samples:
        state = smoother.step(state, sample.fix)
        points.append(state.position())
    return points


def rms(values):
    return math.sqrt(sum(value * value for value in values) / len(values))


def test_axis_settles_on_a_constant_position():
    axis = Axis(pos_m=0.0, vel_mps=0.0, pp=100.0, pv=0.0, vv=25.0)
    for _ in range(50):
        axis.predict(1.0, 0.25)
        axis.observe_position(10.0, 25.0)
    assert axis.pos_m == pytest.approx(10.0, abs=0.1)
    assert axis.vel_mps == pytest.approx(0.0, abs=0.05)
    assert axis.pp < 25.0


def test_axis_velocity_measurement_moves_velocity_towards_it():
    axis = Axis(pos_m=0.0, vel_mps=0.0, pp=25.0, pv=0.0, vv=100.0)
    axis.observe_velocity(10.0, 1.0)
    assert axis.vel_mps == pytest.approx(10.0 * 100 / 101)
    assert axis.vv < 1.0


def test_straight_drive_is_smoother_than_raw(tracks):
    samples = tracks.drive(
        [(0.0, 0.0), (2000.0, 0.0)], speed_mps=12.0, interval_s=1.0, noise_m=5.0, seed=1
    )
    points = [tracks.local(*p) for p in smooth_all(samples)]
    raw_error = rms([math.dist(tracks.local(s.fix.lat, s.fix.lon), s.true_m) for s in samples])
    smooth_error = rms([math.dist(p, s.true_m) for p, s in zip(points, samples, strict=True)])
    assert smooth_error < 0.6 * raw_error


@pytest.mark.parametrize("interval_s", [1.0, 5.0])
@pytest.mark.parametrize("doppler", [True, False], ids=["with-speed", "position-only"])
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_a_right_angle_turn_is_not_cut(tracks, interval_s, doppler, seed):
    samples = tracks.drive(
        CORNER, speed_mps=10.0, interval_s=interval_s, noise_m=5.0, seed=seed, doppler=doppler
    )
    points = [tracks.local(*p) for p in smooth_all(samples)]
    closest_approach_m = tracks.distance_to_path(CORNER[1], points)
    assert closest_approach_m <= 15.0
    raw_worst_m = max(
        tracks.distance_to_path(tracks.local(s.fix.lat, s.fix.lon), CORNER) for s in samples
    )
    smooth_worst_m = max(tracks.distance_to_path(p, CORNER) for p in points)
    assert smooth_worst_m <= raw_worst_m + 3.0


def test_a_parked_phone_jitters_half_as_much(tracks):
    samples = tracks.parked(count=120, interval_s=5.0, noise_m=8.0, accuracy_m=15.0, seed=7)
    points = [tracks.local(*p) for p in smooth_all(samples)]
    raw_error = rms([math.dist(tracks.local(s.fix.lat, s.fix.lon), (0, 0)) for s in samples])
    smooth_error = rms([math.hypot(*p) for p in points[10:]])
    assert smooth_error < 0.6 * raw_error
    assert max(math.hypot(*p) for p in points[10:]) < 15.0


def test_a_long_silence_restarts_at_the_new_fix(tracks):
    smoother = KalmanSmoother(max_gap_s=60.0)
    state = smoother.step(None, tracks.fix(0, 0, at_s=0, speed_mps=10.0, heading_deg=90.0))
    state = smoother.step(state, tracks.fix(30, 40, at_s=600))
    assert tracks.local(*state.position()) == pytest.approx((30.0, 40.0), abs=1e-6)


def test_a_fix_far_outside_the_prediction_restarts_the_filter(tracks):
    smoother = KalmanSmoother()
    state = None
    for second in range(10):
        state = smoother.step(state, tracks.fix(10.0 * second, 0, at_s=second, accuracy_m=5.0))
    state = smoother.step(state, tracks.fix(90, 400, at_s=10, accuracy_m=5.0))
    assert tracks.local(*state.position()) == pytest.approx((90.0, 400.0), abs=1e-6)


def test_moving_far_from_the_origin_starts_a_new_plane(tracks):
    smoother = KalmanSmoother(max_origin_m=1_000.0, restart_surprise=math.inf)
    far = tracks.fix(1_500, 0, at_s=30)
    state = smoother.step(smoother.step(None, tracks.fix(0, 0, at_s=0)), far)
    assert (state.origin_lat, state.origin_lon) == (far.lat, far.lon)


def test_smooth_handler_fills_live_fixes_and_keeps_the_raw_position(tracks):
    handler = Smooth()
    track = DriverTrack("van-7")
    first = TrackedFix(tracks.fix(0, 0, at_s=0))
    second = TrackedFix(tracks.fix(12, 0, at_s=1))
    handler.handle(first, track)
    handler.handle(second, track)
    assert second.smoothed_lat is not None
    assert second.smoothed_lon is not None
    assert (second.fix.lat, second.fix.lon) == (
        tracks.fix(12, 0, at_s=1).lat,
        tracks.fix(12, 0, at_s=1).lon,
    )
    assert (second.lat, second.lon) == (second.smoothed_lat, second.smoothed_lon)


def test_smooth_handler_leaves_late_fixes_raw(tracks):
    handler = Smooth()
    track = DriverTrack("van-7")
    handler.handle(TrackedFix(tracks.fix(0, 0, at_s=10)), track)
    late = TrackedFix(tracks.fix(5, 5, at_s=5), status=Status.LATE)
    handler.handle(late, track)
    assert late.smoothed_lat is None
    assert (late.lat, late.lon) == (late.fix.lat, late.fix.lon)


def test_the_filter_clock_never_goes_backwards(tracks):
    smoother = KalmanSmoother()
    state = smoother.step(None, tracks.fix(0, 0, at_s=10))
    state = smoother.step(state, tracks.fix(1, 1, at_s=10))
    assert state.at == tracks.t0 + timedelta(seconds=10)
