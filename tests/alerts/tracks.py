"""Synthetic tracks on a local plane around Helsinki, with seeded GPS noise."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lastmile.geo import from_local_m

ORIGIN = (60.17, 24.93)
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Point:
    at: datetime
    lat: float
    lon: float


def at_m(east_m: float, north_m: float) -> tuple[float, float]:
    return from_local_m(east_m, north_m, origin_lat=ORIGIN[0], origin_lon=ORIGIN[1])


class Track:
    """Builds a track step by step: drive, stay, go silent; with Gaussian noise of `sigma_m`."""

    def __init__(self, *, sigma_m: float = 5.0, every_s: float = 5.0, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.sigma_m = sigma_m
        self.every_s = every_s
        self.t = START
        self.x = 0.0
        self.y = 0.0
        self.points: list[Point] = []

    def _emit(self) -> None:
        dx, dy = self.rng.gauss(0, self.sigma_m), self.rng.gauss(0, self.sigma_m)
        self.points.append(Point(self.t, *at_m(self.x + dx, self.y + dy)))

    def drive(self, *, to: tuple[float, float], speed_mps: float) -> "Track":
        tx, ty = to
        while True:
            dist = ((tx - self.x) ** 2 + (ty - self.y) ** 2) ** 0.5
            step = speed_mps * self.every_s
            self.t += timedelta(seconds=self.every_s)
            if dist <= step:
                self.x, self.y = tx, ty
                self._emit()
                return self
            self.x += (tx - self.x) * step / dist
            self.y += (ty - self.y) * step / dist
            self._emit()

    def stay(self, seconds: float) -> "Track":
        for _ in range(int(seconds / self.every_s)):
            self.t += timedelta(seconds=self.every_s)
            self._emit()
        return self

    def silence(self, seconds: float) -> "Track":
        self.t += timedelta(seconds=seconds)
        return self

    def jump(self, *, east_m: float) -> "Track":
        self.t += timedelta(seconds=self.every_s)
        self.points.append(Point(self.t, *at_m(self.x + east_m, self.y)))
        return self

    def __iter__(self) -> Iterator[Point]:
        return iter(self.points)
