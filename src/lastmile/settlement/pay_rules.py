"""What a pay plan pays, validated: the shape of `PayPlan.rules`."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _price(example: str) -> Any:
    return Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=4, examples=[example])


class PayRules(BaseModel):
    """Prices in the plan's currency; a price left at 0 pays nothing for that work."""

    model_config = ConfigDict(extra="forbid")

    per_stop: Decimal = _price("1.80")
    """Each stop delivered."""
    per_failed_attempt: Decimal = _price("0.90")
    """Each stop the driver tried and could not deliver."""
    per_km: Decimal = _price("0.25")
    """Each km of a started route's planned road distance (hub → stops → hub)."""
    per_hour: Decimal = _price("16.50")
    """Each hour on shift (the shift record: started to ended)."""
    on_time_bonus_per_stop: Decimal = _price("0.20")
    """Added per stop delivered when the period's on-time rate reaches the threshold."""
    on_time_threshold_pct: Decimal = Field(default=Decimal(95), ge=0, le=100)
    """The on-time rate (delivered by the window's end, among delivered stops with a window)
    that earns the bonus."""
