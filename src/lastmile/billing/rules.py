"""What a rate card's `rules` hold: the prices, validated. Amounts are in the card's currency.

Distance (`per_km`) is the straight line from the shipment's hub to its address times
`detour_factor`, never the planned road distance: the merchant can check it from the address
alone, a quote gives the same number as the charge, and it does not depend on how we happen
to sequence the merchant's parcels among other merchants' on a route.
"""

from datetime import time
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-12"])]

LINE_KINDS: tuple[str, ...] = (
    "base",
    "distance",
    "weight",
    "volume",
    "zone",
    "window_narrow",
    "window_evening",
    "window_weekend",
    "cod_fee",
    "fuel",
    "failed_attempt",
    "return_to_hub",
    "cancellation",
)
"""Every kind of charge line; a rule's tax may name any of them."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeightTier(_Strict):
    from_kg: Decimal = Field(ge=0, max_digits=10, decimal_places=3)
    price: Price


class VolumeTier(_Strict):
    from_m3: Decimal = Field(ge=0, max_digits=10, decimal_places=4)
    price: Price


Coordinate = Annotated[float, Field(allow_inf_nan=False)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=3)]
Ring = Annotated[list[Point], Field(min_length=4, description="[lon, lat] points, closed")]
PolygonRings = Annotated[list[Ring], Field(min_length=1, description="Outer ring, then holes")]


class PolygonArea(_Strict):
    """A GeoJSON Polygon ([lon, lat] order); holes are honoured."""

    type: Literal["Polygon"]
    coordinates: PolygonRings

    def polygons(self) -> list[list[list[list[float]]]]:
        return [self.coordinates]


class MultiPolygonArea(_Strict):
    """A GeoJSON MultiPolygon ([lon, lat] order)."""

    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[PolygonRings], Field(min_length=1)]

    def polygons(self) -> list[list[list[list[float]]]]:
        return self.coordinates


GeoPolygon = Annotated[PolygonArea | MultiPolygonArea, Field(discriminator="type")]


class Zone(_Strict):
    """A surcharge for addresses with one of `postcodes` or inside `area`."""

    name: str = Field(min_length=1, max_length=80)
    surcharge: Price
    postcodes: list[Annotated[str, Field(min_length=1, max_length=12)]] = Field(
        default_factory=list
    )
    area: GeoPolygon | None = None

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        if not self.postcodes and self.area is None:
            raise ValueError("give `postcodes`, `area` or both")
        return self


class WindowPremium(_Strict):
    """Premiums for the delivery window the merchant promised the recipient."""

    narrow_hours: Decimal | None = Field(default=None, gt=0, le=24, decimal_places=2)
    """A window shorter than this many hours is narrow."""
    narrow_fee: Price = Decimal(0)
    evening_after: time | None = Field(default=None, examples=["18:00"])
    """A window that ends after this time of day (at the hub) is an evening one."""
    evening_fee: Price = Decimal(0)
    weekend_fee: Price = Decimal(0)
    """A delivery day on Saturday or Sunday."""


class CodFee(_Strict):
    percent: Percent = Decimal(0)
    minimum: Price = Decimal(0)


class FuelStep(_Strict):
    from_month: Month
    percent: Percent


class Tax(_Strict):
    default_percent: Percent = Decimal(0)
    by_kind: dict[str, Percent] = Field(
        default_factory=dict, description="A line kind's own rate, e.g. {'cod_fee': 0}"
    )

    @model_validator(mode="after")
    def _known_kinds(self) -> Self:
        unknown = sorted(set(self.by_kind) - set(LINE_KINDS))
        if unknown:
            raise ValueError(f"unknown line kind {unknown[0]!r}: one of {', '.join(LINE_KINDS)}")
        return self

    def rate(self, kind: str) -> Decimal:
        return self.by_kind.get(kind, self.default_percent)


class RateRules(_Strict):
    """A rate card's prices. Fuel is a percentage of each event's other lines except the COD
    fee; tax is per line, by kind."""

    base: Price = Field(default=Decimal(0), description="Per delivered shipment")
    per_km: Price = Field(
        default=Decimal(0),
        description="Per km of the straight line hub → address times `detour_factor`",
    )
    detour_factor: Decimal = Field(default=Decimal("1.3"), ge=1, le=5, decimal_places=2)
    weight_tiers: list[WeightTier] = Field(
        default_factory=list, description="The tier with the highest `from_kg` not above the weight"
    )
    volume_tiers: list[VolumeTier] = Field(default_factory=list)
    zones: list[Zone] = Field(default_factory=list, description="Every matching zone adds its own")
    window: WindowPremium = Field(default_factory=WindowPremium)
    failed_attempt_fee: Price = Decimal(0)
    return_to_hub_fee: Price = Decimal(0)
    cancellation_fee: Price = Field(
        default=Decimal(0), description="A shipment cancelled after it went out for delivery"
    )
    cod: CodFee = Field(default_factory=CodFee)
    fuel: list[FuelStep] = Field(
        default_factory=list, description="From each month on, until the next step"
    )
    tax: Tax = Field(default_factory=Tax)

    def fuel_percent(self, month: str) -> Decimal:
        """The fuel surcharge in force in `month` (YYYY-MM); 0 before the first step."""
        steps = sorted((s for s in self.fuel if s.from_month <= month), key=lambda s: s.from_month)
        return steps[-1].percent if steps else Decimal(0)
