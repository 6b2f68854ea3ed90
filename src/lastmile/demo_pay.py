"""The demo's drivers are paid: each gets a contractor's pay plan (once, through the API, as
an admin would), so after a demo day the Control Tower's Pay & cash tab shows each driver's
statement with their stops."""

from collections.abc import Iterable
from datetime import date

import httpx

DEMO_PAY_RULES = {
    "per_stop": "1.80",
    "per_failed_attempt": "0.90",
    "per_km": "0.25",
    "per_hour": "14.00",
    "on_time_bonus_per_stop": "0.20",
    "on_time_threshold_pct": "90",
}
"""Plausible contractor rates in Helsinki, in euros."""


def give_pay_plans(*, url: str, api_key: str, driver_ids: Iterable[str], valid_from: date) -> int:
    """A plan for each driver who has none yet, valid from `valid_from`; returns how many."""
    headers = {"Authorization": f"Bearer {api_key}"}
    given = 0
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for driver_id in driver_ids:
            existing = client.get("/api/v1/billing/pay-plans", params={"driver": driver_id})
            existing.raise_for_status()
            if existing.json():
                continue
            made = client.post(
                "/api/v1/billing/pay-plans",
                json={
                    "driver_id": driver_id,
                    "valid_from": valid_from.isoformat(),
                    "currency": "EUR",
                    "rules": DEMO_PAY_RULES,
                },
            )
            made.raise_for_status()
            given += 1
    return given
