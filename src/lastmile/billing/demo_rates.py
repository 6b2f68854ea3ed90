"""The demo's default merchant and its rate card: a realistic Finnish EUR card, so that the
demo's deliveries fill the Billing tab's balances as they happen."""

import uuid
from datetime import date
from typing import Final

from sqlalchemy.orm import Session

from lastmile.billing.merchants import default_merchant
from lastmile.billing.models import RateCard
from lastmile.billing.rates import add_version, versions
from lastmile.billing.rules import RateRules

DEMO_RULES: Final = RateRules.model_validate(
    {
        "base": "4.90",
        "per_km": "0.35",
        "detour_factor": "1.3",
        "weight_tiers": [
            {"from_kg": "5", "price": "1.50"},
            {"from_kg": "15", "price": "3.90"},
            {"from_kg": "30", "price": "7.50"},
        ],
        "volume_tiers": [{"from_m3": "0.1", "price": "2.00"}],
        "zones": [
            {
                "name": "Outer Helsinki",
                "surcharge": "1.20",
                "postcodes": ["00900", "00920", "00930", "00940", "00950", "00960", "00970"],
            }
        ],
        "window": {
            "narrow_hours": "2",
            "narrow_fee": "1.50",
            "evening_after": "18:00",
            "evening_fee": "2.00",
            "weekend_fee": "3.00",
        },
        "failed_attempt_fee": "2.90",
        "return_to_hub_fee": "1.90",
        "cancellation_fee": "1.50",
        "cod": {"percent": "1.5", "minimum": "1.00"},
        "fuel": [{"from_month": "2026-01", "percent": "3.5"}],
        "tax": {"default_percent": "25.5"},
    }
)
DEMO_VALID_FROM: Final = date(2020, 1, 1)
"""Early enough for any day the demo or its simulator runs."""


def seed_demo_rate_card(*, session: Session, org_id: uuid.UUID) -> RateCard:
    """The default merchant's current card; the demo card when it has none yet."""
    merchant = default_merchant(session=session, org_id=org_id)
    found = versions(session=session, merchant=merchant)
    if found:
        return found[0]
    return add_version(
        session=session,
        merchant=merchant,
        valid_from=DEMO_VALID_FROM,
        rules=DEMO_RULES,
        currency="EUR",
        created_by="demo",
    )
