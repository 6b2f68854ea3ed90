"""Pricing, pure: what one event on a shipment costs under a rate card's rules.

Each line is rounded to the currency's minor unit when made (`money`); its tax is its own
amount times the kind's rate, rounded; totals are sums of rounded lines.
"""

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from lastmile.billing.money import ZERO, percent_of, round_money
from lastmile.billing.rules import GeoPolygon, RateRules
from lastmile.geo import haversine_m


class Happened(StrEnum):
    """The events that are charged."""

    DELIVERED = "delivered"
    ATTEMPTED = "attempted"
    RETURNED_TO_HUB = "returned_to_hub"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Job:
    """What the price of a shipment depends on (a stored one, or a quote's hypothetical one)."""

    delivery_date: date
    zone: ZoneInfo
    lat: float | None = None
    lon: float | None = None
    hub_lat: float | None = None
    hub_lon: float | None = None
    address_text: str = ""
    weight_kg: float | None = None
    volume_m3: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    cod_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Line:
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def totals(lines: Sequence[Line]) -> Totals:
    """Sums of the rounded lines, never rounded again."""
    subtotal = sum((line.amount for line in lines), ZERO)
    tax = sum((line.tax_amount for line in lines), ZERO)
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)


def charged_km(job: Job, rules: RateRules) -> Decimal | None:
    """Straight-line km hub → address times the detour factor, to 0.1 km; None without both points.

    >>> from zoneinfo import ZoneInfo
    >>> job = Job(date(2026, 1, 5), ZoneInfo("UTC"), lat=60.0, lon=25.0, hub_lat=60.1, hub_lon=25.0)
    >>> charged_km(job, RateRules(detour_factor=Decimal("1.3")))
    Decimal('14.5')
    """
    if None in (job.lat, job.lon, job.hub_lat, job.hub_lon):
        return None
    metres = haversine_m(job.hub_lat, job.hub_lon, job.lat, job.lon)  # type: ignore[arg-type]
    km = Decimal(str(metres / 1000)) * rules.detour_factor
    return km.quantize(Decimal("0.1"))


def price(*, happened: Happened, job: Job, rules: RateRules, currency: str) -> list[Line]:
    """The lines `happened` adds under `rules`; no line for a price of zero."""
    made = _Lines(rules, currency)
    if happened is Happened.DELIVERED:
        _delivery(made, job, rules)
    elif happened is Happened.ATTEMPTED:
        made.add("failed_attempt", "Failed delivery attempt", Decimal(1), rules.failed_attempt_fee)
    elif happened is Happened.RETURNED_TO_HUB:
        made.add("return_to_hub", "Returned to the hub", Decimal(1), rules.return_to_hub_fee)
    else:
        made.add("cancellation", "Cancelled after dispatch", Decimal(1), rules.cancellation_fee)
    month = job.delivery_date.strftime("%Y-%m")
    fuel = rules.fuel_percent(month)
    fuelled = sum((line.amount for line in made.lines if line.kind != "cod_fee"), ZERO)
    if fuel and fuelled:
        made.add("fuel", f"Fuel surcharge {fuel.normalize():f} %", fuel / 100, fuelled)
    return made.lines


class _Lines:
    def __init__(self, rules: RateRules, currency: str) -> None:
        self.rules = rules
        self.currency = currency
        self.lines: list[Line] = []

    def add(self, kind: str, description: str, quantity: Decimal, unit_price: Decimal) -> None:
        amount = round_money(quantity * unit_price, self.currency)
        if not amount:
            return
        rate = self.rules.tax.rate(kind)
        self.lines.append(
            Line(
                kind=kind,
                description=description,
                quantity=quantity,
                unit_price=unit_price,
                amount=amount,
                tax_rate=rate,
                tax_amount=percent_of(amount, rate, self.currency),
            )
        )


def _delivery(made: _Lines, job: Job, rules: RateRules) -> None:
    one = Decimal(1)
    made.add("base", "Delivery", one, rules.base)
    km = charged_km(job, rules)
    if km is not None:
        made.add("distance", f"Distance {km} km", km, rules.per_km)
    weight = _tier(job.weight_kg, [(t.from_kg, t.price) for t in rules.weight_tiers])
    if weight is not None:
        made.add("weight", f"Weight from {weight[0]} kg", one, weight[1])
    volume = _tier(job.volume_m3, [(t.from_m3, t.price) for t in rules.volume_tiers])
    if volume is not None:
        made.add("volume", f"Volume from {volume[0]} m³", one, volume[1])
    zones = [z for z in rules.zones if _in_zone(job, z.postcodes, z.area)]
    if zones:
        surcharge = sum((z.surcharge for z in zones), ZERO)
        made.add("zone", f"Zone {', '.join(z.name for z in zones)}", one, surcharge)
    _window(made, job, rules)
    if job.cod_amount:
        fee = max(
            percent_of(job.cod_amount, rules.cod.percent, made.currency),
            round_money(rules.cod.minimum, made.currency),
        )
        made.add("cod_fee", "Cash on delivery handling", one, fee)


def _tier(
    value: float | None, tiers: Sequence[tuple[Decimal, Decimal]]
) -> tuple[Decimal, Decimal] | None:
    """The (from, price) tier with the highest `from` not above `value`, if any.

    >>> _tier(12.0, [(Decimal(0), Decimal(1)), (Decimal(10), Decimal(2))])
    (Decimal('10'), Decimal('2'))
    """
    if value is None:
        return None
    exact = Decimal(str(value))
    reached = [tier for tier in tiers if tier[0] <= exact]
    return max(reached, key=lambda tier: tier[0]) if reached else None


def _window(made: _Lines, job: Job, rules: RateRules) -> None:
    one = Decimal(1)
    premium = rules.window
    if job.delivery_date.weekday() >= 5:
        made.add("window_weekend", "Weekend delivery", one, premium.weekend_fee)
    if job.window_start is None or job.window_end is None:
        return
    hours = Decimal((job.window_end - job.window_start).total_seconds()) / 3600
    if premium.narrow_hours is not None and hours < premium.narrow_hours:
        made.add("window_narrow", f"Window under {premium.narrow_hours} h", one, premium.narrow_fee)
    end = job.window_end.astimezone(job.zone).time()
    if premium.evening_after is not None and end > premium.evening_after:
        after = premium.evening_after.strftime("%H:%M")
        made.add("window_evening", f"Evening window (after {after})", one, premium.evening_fee)


def _in_zone(job: Job, postcodes: Sequence[str], area: GeoPolygon | None) -> bool:
    if postcodes and _has_postcode(job.address_text, postcodes):
        return True
    if area is not None and job.lat is not None and job.lon is not None:
        return inside(job.lon, job.lat, area)
    return False


def _has_postcode(text: str, postcodes: Sequence[str]) -> bool:
    """True when one of `postcodes` stands in `text` as a word of its own.

    >>> _has_postcode("Mannerheimintie 1, 00100 Helsinki", ["00100"])
    True
    >>> _has_postcode("Mannerheimintie 1, 001000 Helsinki", ["00100"])
    False
    """
    upper = text.upper()
    return any(
        re.search(rf"(?<![0-9A-Z]){re.escape(code.upper())}(?![0-9A-Z])", upper)
        for code in postcodes
    )


def inside(lon: float, lat: float, area: GeoPolygon) -> bool:
    """Whether the point is inside the polygon(s), holes excluded (even-odd ray casting).

    >>> from lastmile.billing.rules import PolygonArea
    >>> square = PolygonArea(type="Polygon", coordinates=[[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]])
    >>> inside(1, 1, square), inside(3, 1, square)
    (True, False)
    """
    return any(
        _in_ring(lon, lat, polygon[0]) and not any(_in_ring(lon, lat, h) for h in polygon[1:])
        for polygon in area.polygons()
    )


def _in_ring(x: float, y: float, ring: Sequence[Sequence[float]]) -> bool:
    hit = False
    for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit
