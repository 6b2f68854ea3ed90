import itertools
import math
import random
import statistics

import pytest
from testkit.routes import point

from lastmile.geo import to_local_m
from lastmile.sim.gps import (
    ACCURACY_PER_SIGMA,
    PhoneDay,
    PhoneProfile,
    Window,
    phone_uploads,
    plan_phone_day,
)
from lastmile.sim.motion import Drive, Dwell, Trajectory, build_trajectory

T0 = 1_700_000_000.0
QUIET = PhoneProfile(
    sigma_m=5.0,
    interval_still_s=5.0,
    multipath_per_hour=0.0,
    canyon_per_hour=0.0,
    offline_per_hour=0.0,
)


def _parked(hours: float) -> Trajectory:
    return build_trajectory([Dwell(hours * 3600.0, "hub")], start_s=T0, start_at=point(0, 0))


def _driving() -> Trajectory:
    path = (point(0, 0), point(3000, 0), point(3000, 3000), point(0, 3000), point(0, 0))
    return build_trajectory(
        [Drive(path, 10.0), Dwell(600.0, "service"), Drive(path[::-1], 10.0)],
        start_s=T0,
        start_at=path[0],
    )


def _fixes(trajectory: Trajectory, profile: PhoneProfile, seed: int, day: PhoneDay | None = None):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    day = day or plan_phone_day(profile, rng, start_s=trajectory.start_s, end_s=trajectory.end_s)
    uploads = list(
        phone_uploads(
            trajectory,
            device_id="p",
            profile=profile,
            day=day,
            rng=rng,
            start_s=trajectory.start_s,
            end_s=trajectory.end_s,
        )
    )
    return day, uploads


def _errors_m(uploads) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    return [
        to_local_m(f.lat, f.lon, origin_lat=f.true_lat, origin_lon=f.true_lon)
        for u in uploads
        for f in u.fixes
    ]


def test_noise_has_the_configured_sigma_and_a_matching_reported_accuracy() -> None:
    _, uploads = _fixes(_parked(6.0), QUIET, seed=1)
    errors = _errors_m(uploads)
    assert len(errors) == pytest.approx(6 * 720, abs=2)
    east = [e for e, _ in errors]
    north = [n for _, n in errors]
    assert statistics.pstdev(east) == pytest.approx(5.0, rel=0.05)
    assert statistics.pstdev(north) == pytest.approx(5.0, rel=0.05)
    assert abs(statistics.fmean(east)) < 0.3
    radial = [math.hypot(e, n) for e, n in errors]
    assert statistics.fmean(radial) == pytest.approx(5.0 * math.sqrt(math.pi / 2), rel=0.05)
    accuracies = [f.accuracy_m for u in uploads for f in u.fixes]
    assert statistics.median(accuracies) == pytest.approx(ACCURACY_PER_SIGMA * 5.0, rel=0.05)
    inside = sum(r <= a for r, a in zip(radial, accuracies, strict=True)) / len(radial)
    assert inside == pytest.approx(0.68, abs=0.04)


def test_fixes_come_every_5_s_moving_and_less_often_standing() -> None:
    profile = PhoneProfile(multipath_per_hour=0, canyon_per_hour=0, offline_per_hour=0)
    trajectory = _driving()
    _, uploads = _fixes(trajectory, profile, seed=2)
    fixes = [f for u in uploads for f in u.fixes]
    gaps_moving = [b.at_s - a.at_s for a, b in itertools.pairwise(fixes) if a.moving]
    gaps_still = [b.at_s - a.at_s for a, b in itertools.pairwise(fixes) if not a.moving]
    assert set(gaps_moving) == {5.0}
    assert statistics.median(gaps_still) == 30.0
    assert all(len(u.fixes) == 1 and u.send_s == u.fixes[0].at_s for u in uploads)


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    profile = PhoneProfile(multipath_per_hour=6, canyon_per_hour=4, offline_per_hour=1)
    trajectory = _driving()
    assert _fixes(trajectory, profile, 7) == _fixes(trajectory, profile, 7)
    assert _fixes(trajectory, profile, 7)[1] != _fixes(trajectory, profile, 8)[1]


def test_no_fix_in_an_urban_canyon_and_worse_ones_at_its_edges() -> None:
    trajectory = _driving()
    canyon = Window(T0 + 600.0, T0 + 660.0)
    day = PhoneDay(canyons=(canyon,), offline=(), multipath_s=())
    _, uploads = _fixes(trajectory, QUIET, seed=3, day=day)
    fixes = [f for u in uploads for f in u.fixes]
    assert not [f for f in fixes if canyon.holds(f.at_s)]
    edges = [f for f in fixes if canyon.start_s - 15 <= f.at_s < canyon.end_s + 15]
    assert edges
    assert (
        min(f.accuracy_m for f in edges)
        > 2 * max(f.accuracy_m for f in fixes if abs(f.at_s - canyon.start_s) > 300) / 1.8
    )


def test_an_offline_phone_uploads_its_backlog_in_one_batch_when_it_reconnects() -> None:
    trajectory = _driving()
    offline = Window(T0 + 300.0, T0 + 900.0)
    day = PhoneDay(canyons=(), offline=(offline,), multipath_s=())
    _, uploads = _fixes(trajectory, QUIET, seed=4, day=day)
    (backlog,) = [u for u in uploads if len(u.fixes) > 1]
    assert backlog.send_s >= offline.end_s
    assert backlog.send_s - offline.end_s <= 30.0
    assert all(offline.holds(f.at_s) for f in backlog.fixes)
    assert len(backlog.fixes) >= 600 / 30
    taken_offline = [f for u in uploads for f in u.fixes if offline.holds(f.at_s)]
    assert taken_offline == list(backlog.fixes)


def test_multipath_jumps_are_far_off_and_flagged_only_in_the_truth() -> None:
    profile = PhoneProfile(multipath_per_hour=30.0, canyon_per_hour=0, offline_per_hour=0)
    day, uploads = _fixes(_driving(), profile, seed=5)
    fixes = [f for u in uploads for f in u.fixes]
    jumps = [f for f in fixes if f.multipath]
    assert len(jumps) == len(day.multipath_s) > 5
    for fix in fixes:
        east, north = to_local_m(fix.lat, fix.lon, origin_lat=fix.true_lat, origin_lon=fix.true_lon)
        error = math.hypot(east, north)
        if fix.multipath:
            assert error > 40.0
            assert fix.accuracy_m < 20.0
        else:
            assert error < 6 * profile.sigma_m


def test_batched_uploads_collect_fixes() -> None:
    profile = PhoneProfile(
        upload_every_s=60.0, multipath_per_hour=0, canyon_per_hour=0, offline_per_hour=0
    )
    _, uploads = _fixes(_driving(), profile, seed=6)
    assert statistics.median(len(u.fixes) for u in uploads) >= 10
    assert all(u.send_s >= u.fixes[-1].at_s for u in uploads)


def test_the_phone_reports_a_battery_falling_through_the_day() -> None:
    _, uploads = _fixes(_parked(6.0), QUIET, seed=3)
    fixes = [f for u in uploads for f in u.fixes]
    assert fixes[0].battery_pct == 100.0
    drained = 100.0 - 6 * QUIET.battery_drain_pct_per_h
    assert fixes[-1].battery_pct == pytest.approx(drained, abs=0.2)
    levels = [f.battery_pct for f in fixes]
    assert levels == sorted(levels, reverse=True)
