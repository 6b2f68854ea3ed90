"""Cash on delivery in the simulated day: which recipients pay at the door and how much, and
how much of it the hub counts from each driver at the end of the shift.

Everything is drawn from the scenario's seed with generators of its own (so the rest of the
day is the same with or without cash): the same seed books the same amounts on the same
shipments, and on the same dates the same driver comes back short.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

COD_CURRENCY = "EUR"
COD_SHARE = 0.15
"""About one parcel in seven is paid at the door: plausible for a Helsinki web shop's mix."""
PRICE_RANGE_EUR = (12, 190)
"""Whole euros a paid-at-the-door order costs, before its shop's usual ".90"."""
SHORT_DAY_SHARE = 0.3
SHORT_BY = Decimal("20.00")
"""A banknote missing from one driver's bag on about one day in three."""
HANDOVER_NOTE = "counted at the hub at the end of the shift, route "
"""How the hub's count is noted on the driver's ledger: a day resumed after a restart finds it
there and does not count the shift twice."""


def cod_amount(*, seed: int, index: int, share: float = COD_SHARE) -> Decimal | None:
    """What the recipient of the day's `index`-th shipment pays at the door (in
    `COD_CURRENCY`); None for the parcels paid online.

    >>> cod_amount(seed=1, index=7) == cod_amount(seed=1, index=7)
    True
    >>> cod_amount(seed=1, index=0, share=0.0) is None
    True
    """
    rng = random.Random(f"cod-{seed}-{index}")
    if rng.random() >= share:
        return None
    return Decimal(rng.randint(*PRICE_RANGE_EUR)) - Decimal("0.10")


@dataclass(frozen=True, slots=True)
class CashHabits:
    """How the day's drivers and hub handle cash: `short_day_share` of the days one driver,
    drawn from `seed` and the date, hands over `short_by` less than they collected."""

    seed: int = 1
    short_day_share: float = SHORT_DAY_SHARE
    short_by: Decimal = SHORT_BY

    def short_driver(self, day: date, driver_ids: Iterable[str]) -> str | None:
        """The driver short on `day`, if any: the same one for the same seed and day."""
        rng = random.Random(f"short-{self.seed}-{day.isoformat()}")
        if rng.random() >= self.short_day_share:
            return None
        drivers = sorted(driver_ids)
        return rng.choice(drivers) if drivers else None

    def handed_over(
        self, *, collected: Decimal, driver_id: str, day: date, driver_ids: Iterable[str]
    ) -> Decimal:
        """What the hub counts from a driver who collected `collected` in cash on `day`: all
        of it, but for the day's short driver (when they have that much)."""
        if self.short_driver(day, driver_ids) == driver_id and collected >= self.short_by:
            return collected - self.short_by
        return collected


@dataclass
class CashCount:
    """One driver's cash as the simulation saw it: paid at the doors, counted at the hub."""

    collected: Decimal = Decimal(0)
    handed_over: Decimal = Decimal(0)
