"""The phone: what a driver's phone reports and when it uploads it.

Samples the true trajectory every `interval_moving_s` while the vehicle moves (every
`interval_still_s` when it stands), adds Gaussian noise with a realistic reported accuracy,
and now and then a multipath jump (a fix tens to hundreds of metres off that still claims a
modest accuracy: only the ground truth knows). In urban canyons the phone gets no fix at all,
and the fixes just before and after are worse. While the phone is offline it keeps recording
and uploads the backlog in one batch when it reconnects. Everything is drawn from one
`random.Random`, so a seed gives the same day.
"""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lastmile.geo import EARTH_RADIUS_M
from lastmile.sim.motion import Trajectory

Protocol = Literal["native", "osmand"]

ACCURACY_PER_SIGMA = 1.51
"""Android reports accuracy as the 68 % radius; for a circular Gaussian that is 1.51 sigma."""


@dataclass(frozen=True, slots=True)
class PhoneProfile:
    """How one phone behaves; rates are per hour of the day being simulated."""

    protocol: Protocol = "native"
    interval_moving_s: float = 5.0
    interval_still_s: float = 30.0
    sigma_m: float = 4.0
    multipath_per_hour: float = 1.0
    multipath_m: tuple[float, float] = (60.0, 250.0)
    canyon_per_hour: float = 1.0
    canyon_s: tuple[float, float] = (20.0, 90.0)
    canyon_sigma_factor: float = 3.0
    offline_per_hour: float = 0.2
    offline_s: tuple[float, float] = (180.0, 900.0)
    upload_every_s: float = 0.0
    """0: upload each fix as it is taken; otherwise collect fixes and upload this often."""
    battery_start_pct: float = 100.0
    battery_drain_pct_per_h: float = 6.0
    """The phone's battery falls steadily through the day (reported with each fix)."""


@dataclass(frozen=True, slots=True)
class SimFix:
    """One fix as the phone reports it, with the truth the phone does not know."""

    at_s: float
    lat: float
    lon: float
    accuracy_m: float
    speed_mps: float
    heading_deg: float | None
    moving: bool
    true_lat: float
    true_lon: float
    multipath: bool = False
    battery_pct: float | None = None


@dataclass(frozen=True, slots=True)
class Upload:
    """What the phone sends at `send_s`: one request's fixes (oldest first)."""

    send_s: float
    device_id: str
    protocol: Protocol
    fixes: tuple[SimFix, ...]


@dataclass(frozen=True, slots=True)
class Window:
    start_s: float
    end_s: float

    def holds(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


@dataclass(frozen=True, slots=True)
class PhoneDay:
    """The phone's scripted conditions for the day: canyons, offline periods, multipath moments."""

    canyons: tuple[Window, ...]
    offline: tuple[Window, ...]
    multipath_s: tuple[float, ...]


def plan_phone_day(
    profile: PhoneProfile, rng: random.Random, *, start_s: float, end_s: float
) -> PhoneDay:
    """Draw the day's canyons, offline periods and multipath moments (Poisson processes)."""
    return PhoneDay(
        canyons=_windows(rng, start_s, end_s, profile.canyon_per_hour, profile.canyon_s),
        offline=_windows(rng, start_s, end_s, profile.offline_per_hour, profile.offline_s),
        multipath_s=tuple(_arrivals(rng, start_s, end_s, profile.multipath_per_hour)),
    )


def phone_uploads(
    trajectory: Trajectory,
    *,
    device_id: str,
    profile: PhoneProfile,
    day: PhoneDay,
    rng: random.Random,
    start_s: float,
    end_s: float,
) -> Iterator[Upload]:
    """Every upload the phone makes between `start_s` and `end_s`, in sending order."""
    pending: list[SimFix] = []
    multipath = list(day.multipath_s)
    next_upload = start_s + profile.upload_every_s
    t = start_s
    was_offline = False
    while t <= end_s:
        offline = _inside(day.offline, t)
        if was_offline and not offline and pending:
            yield Upload(t, device_id, profile.protocol, tuple(pending))
            pending = []
        was_offline = offline
        truth = trajectory.state(t)
        if not _inside(day.canyons, t):
            jump = bool(multipath) and multipath[0] <= t
            if jump:
                multipath.pop(0)
            near_canyon = any(w.start_s - 15.0 <= t < w.end_s + 15.0 for w in day.canyons)
            sigma = profile.sigma_m * (profile.canyon_sigma_factor if near_canyon else 1.0)
            battery = profile.battery_start_pct - profile.battery_drain_pct_per_h * (
                (t - start_s) / 3600.0
            )
            pending.append(
                _fix(
                    t,
                    truth.lat,
                    truth.lon,
                    truth.speed_mps,
                    truth.heading_deg,
                    truth.moving,
                    sigma,
                    jump,
                    profile,
                    rng,
                    battery_pct=round(max(1.0, battery), 1),
                )
            )
        if pending and not offline and (profile.upload_every_s <= 0 or t >= next_upload):
            yield Upload(t, device_id, profile.protocol, tuple(pending))
            pending = []
        while profile.upload_every_s > 0 and next_upload <= t:
            next_upload += profile.upload_every_s
        t += profile.interval_moving_s if truth.moving else profile.interval_still_s
    if pending:
        last_offline = next((w for w in day.offline if w.holds(end_s)), None)
        yield Upload(
            max(end_s, last_offline.end_s if last_offline else end_s),
            device_id,
            profile.protocol,
            tuple(pending),
        )


def _fix(
    t: float,
    lat: float,
    lon: float,
    speed_mps: float,
    heading_deg: float,
    moving: bool,
    sigma_m: float,
    jump: bool,
    profile: PhoneProfile,
    rng: random.Random,
    *,
    battery_pct: float | None = None,
) -> SimFix:
    east = rng.gauss(0.0, sigma_m)
    north = rng.gauss(0.0, sigma_m)
    if jump:
        distance = rng.uniform(*profile.multipath_m)
        direction = rng.uniform(0.0, 2.0 * math.pi)
        east += distance * math.sin(direction)
        north += distance * math.cos(direction)
    accuracy = ACCURACY_PER_SIGMA * sigma_m * rng.lognormvariate(0.0, 0.2)
    return SimFix(
        at_s=t,
        lat=lat + math.degrees(north / EARTH_RADIUS_M),
        lon=lon + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat)))),
        accuracy_m=round(accuracy, 1),
        speed_mps=round(max(0.0, speed_mps + rng.gauss(0.0, 0.3)) if moving else 0.0, 2),
        heading_deg=round(heading_deg % 360.0, 1) if moving else None,
        moving=moving,
        true_lat=lat,
        true_lon=lon,
        multipath=jump,
        battery_pct=battery_pct,
    )


def _inside(windows: tuple[Window, ...], t: float) -> bool:
    return any(w.holds(t) for w in windows)


def _arrivals(rng: random.Random, start_s: float, end_s: float, per_hour: float) -> list[float]:
    if per_hour <= 0:
        return []
    times: list[float] = []
    t = start_s
    while True:
        t += rng.expovariate(per_hour / 3600.0)
        if t >= end_s:
            return times
        times.append(t)


def _windows(
    rng: random.Random, start_s: float, end_s: float, per_hour: float, length_s: tuple[float, float]
) -> tuple[Window, ...]:
    windows: list[Window] = []
    for t in _arrivals(rng, start_s, end_s, per_hour):
        if windows and t < windows[-1].end_s:
            continue
        windows.append(Window(t, t + rng.uniform(*length_s)))
    return tuple(windows)
