"""Scripted incidents and the ground-truth log they leave, for evaluating alert detectors.

`choose_incidents` decides, from a seed, which stops fail (and why), which driver makes an
unscheduled halt away from any stop, which one takes a detour off the planned path and which
stop is reached late. `driver.build_driver_day` plays them out; each leaves `Truth` records
with the times the motion model actually produced, written as JSON lines by `TruthLog`.
"""

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FAILURE_REASONS = ("recipient_absent", "access_denied", "address_not_found", "refused")


@dataclass(frozen=True, slots=True)
class Halt:
    """Stop for `duration_s` part-way (`fraction`) along the leg to stop `leg` (0-based)."""

    leg: int
    fraction: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class Deviation:
    """Leave the planned path between two fractions of a leg, going `offset_m` to one side."""

    leg: int
    from_fraction: float
    to_fraction: float
    offset_m: float


@dataclass(frozen=True, slots=True)
class LateStop:
    """Heavy traffic on the leg to stop `leg`, costing about `delay_s`."""

    leg: int
    delay_s: float


@dataclass(frozen=True, slots=True)
class DriverIncidents:
    """What goes wrong for one driver; `failures` maps a stop index to the reason."""

    failures: dict[int, str] = field(default_factory=dict)
    halt: Halt | None = None
    deviation: Deviation | None = None
    late: LateStop | None = None


@dataclass(frozen=True, slots=True)
class IncidentRates:
    """How much goes wrong in a day."""

    failure_rate: float = 0.08
    halts: int = 1
    deviations: int = 1
    late_stops: int = 1
    halt_s: tuple[float, float] = (900.0, 1500.0)
    late_delay_s: tuple[float, float] = (1500.0, 2100.0)


def choose_incidents(
    stop_counts: Sequence[int], rng: random.Random, rates: IncidentRates = IncidentRates()
) -> list[DriverIncidents]:
    """Incidents per driver (in the order of `stop_counts`), spread over different drivers.

    A driver needs two stops for a halt or a late stop (neither touches the first leg), and
    one for a deviation; the three scripted incidents go to different drivers while there
    are enough of them.
    """
    failures: list[dict[int, str]] = [{} for _ in stop_counts]
    for driver, count in enumerate(stop_counts):
        for stop in range(count):
            if rng.random() < rates.failure_rate:
                failures[driver][stop] = rng.choice(FAILURE_REASONS)
    if sum(stop_counts) and not any(failures):
        driver = rng.choice([d for d, c in enumerate(stop_counts) if c])
        failures[driver][rng.randrange(stop_counts[driver])] = rng.choice(FAILURE_REASONS)

    order = [d for d, c in enumerate(stop_counts) if c >= 2]
    rng.shuffle(order)
    used: list[int] = []

    def pick() -> int | None:
        fresh = [d for d in order if d not in used] or order
        if not fresh:
            return None
        used.append(fresh[0])
        return fresh[0]

    halts: dict[int, Halt] = {}
    deviations: dict[int, Deviation] = {}
    lates: dict[int, LateStop] = {}
    for _ in range(rates.halts):
        if (d := pick()) is not None:
            halts[d] = Halt(
                rng.randrange(1, stop_counts[d]), rng.uniform(0.3, 0.7), rng.uniform(*rates.halt_s)
            )
    for _ in range(rates.deviations):
        if (d := pick()) is not None:
            deviations[d] = Deviation(
                rng.randrange(1, stop_counts[d]),
                0.25,
                0.75,
                rng.choice((-1.0, 1.0)) * rng.uniform(300.0, 500.0),
            )
    for _ in range(rates.late_stops):
        if (d := pick()) is not None:
            lates[d] = LateStop(rng.randrange(1, stop_counts[d]), rng.uniform(*rates.late_delay_s))
    return [
        DriverIncidents(failures[d], halts.get(d), deviations.get(d), lates.get(d))
        for d in range(len(stop_counts))
    ]


@dataclass(frozen=True, slots=True)
class Truth:
    """One fact of the simulated day; `kind` says which fields matter."""

    kind: str
    driver_id: str
    start: datetime
    end: datetime | None = None
    tracking_number: str | None = None
    lat: float | None = None
    lon: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat() if self.end else None
        return data


def at(seconds: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


class TruthLog:
    """The ground truth of a run, appended as the day is built and written as JSON lines."""

    def __init__(self) -> None:
        self.records: list[Truth] = []

    def add(self, records: Iterable[Truth]) -> None:
        self.records.extend(records)

    def of_kind(self, kind: str) -> list[Truth]:
        return [r for r in self.records if r.kind == kind]

    def write(self, path: Path) -> None:
        ordered = sorted(self.records, key=lambda r: (r.start, r.kind))
        path.write_text("".join(json.dumps(r.as_json()) + "\n" for r in ordered))
