"""How merchants and their rate cards are named in the audit log."""

from typing import Any

from lastmile.audit.types import Subject, SubjectType
from lastmile.billing.models import Merchant, RateCard


def merchant(row: Merchant) -> Subject:
    """`Nordic Parcels (nordic)`."""
    return Subject(SubjectType.MERCHANT, str(row.id), f"{row.name} ({row.code})")


def merchant_fields(row: Merchant) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "currency": row.currency,
        "billing_email": row.billing_email,
        "billing_address": row.billing_address,
    }


def rate_card_fields(row: RateCard) -> dict[str, Any]:
    return {
        "version": row.version,
        "valid_from": row.valid_from,
        "currency": row.currency,
        "rules": row.rules,
    }
