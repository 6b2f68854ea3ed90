"""Rate card versions: each new version starts on a day and closes the one before it; the
version valid on an event's service date prices it. A saved version is never edited."""

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.billing.models import Merchant, RateCard
from lastmile.billing.rules import RateRules
from lastmile.errors import Conflict, InvalidInput


def versions(*, session: Session, merchant: Merchant) -> list[RateCard]:
    """The merchant's rate cards, newest version first."""
    return list(
        session.scalars(
            select(RateCard)
            .where(RateCard.merchant_id == merchant.id)
            .order_by(RateCard.version.desc())
        )
    )


def card_on(*, session: Session, merchant_id: uuid.UUID, day: date) -> RateCard | None:
    """The version valid on `day` (from inclusive, to exclusive), if any."""
    return session.scalar(
        select(RateCard)
        .where(
            RateCard.merchant_id == merchant_id,
            RateCard.valid_from <= day,
            or_(RateCard.valid_to.is_(None), RateCard.valid_to > day),
        )
        .order_by(RateCard.version.desc())
        .limit(1)
    )


def add_version(
    *,
    session: Session,
    merchant: Merchant,
    valid_from: date,
    rules: RateRules,
    currency: str,
    created_by: str,
) -> RateCard:
    """A new version from `valid_from` on; the latest one is closed that day. A version may
    not start on or before the latest one's start (history is not rewritten): 422 on
    `valid_from`."""
    latest = session.scalar(
        select(RateCard)
        .where(RateCard.merchant_id == merchant.id)
        .order_by(RateCard.version.desc())
        .limit(1)
        .with_for_update()
    )
    if latest is not None:
        if valid_from <= latest.valid_from:
            first = latest.valid_from + timedelta(days=1)
            raise InvalidInput(
                "valid_from",
                f"{valid_from.isoformat()} is not after the current version's start"
                f" {latest.valid_from.isoformat()}: the earliest is {first.isoformat()}",
            )
        latest.valid_to = valid_from
    card = RateCard(
        org_id=merchant.org_id,
        merchant_id=merchant.id,
        version=(latest.version + 1) if latest else 1,
        valid_from=valid_from,
        valid_to=None,
        currency=currency,
        rules=stored(rules),
        created_by=created_by,
    )
    try:
        with session.begin_nested():
            session.add(card)
    except IntegrityError:
        raise Conflict("another version was added meanwhile: reload and try again") from None
    return card


def stored(rules: RateRules) -> dict[str, Any]:
    """The rules as JSON keeps them: decimals as strings, so no amount passes through a float."""
    return rules.model_dump(mode="json")


def rules_of(card: RateCard) -> RateRules:
    return RateRules.model_validate(card.rules)
