"""Merchants: who ships and is invoiced. Every organisation has one default merchant, made on
first need (shipments that name no merchant are its)."""

import uuid
from collections.abc import Collection
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.auth.models import Organization
from lastmile.billing.models import Merchant
from lastmile.errors import Conflict, InvalidInput, NotFound

DEFAULT_CODE: Final = "default"
DEFAULT_CURRENCY: Final = "EUR"


def list_merchants(*, session: Session, org_id: uuid.UUID) -> list[Merchant]:
    """The organisation's merchants, the default first, then by code."""
    return list(
        session.scalars(
            select(Merchant)
            .where(Merchant.org_id == org_id)
            .order_by(Merchant.is_default.desc(), Merchant.code)
        )
    )


def get_merchant(*, session: Session, org_id: uuid.UUID, code: str) -> Merchant:
    found = session.scalar(select(Merchant).where(Merchant.org_id == org_id, Merchant.code == code))
    if found is None:
        raise NotFound(f"no merchant `{code}` in this organisation")
    return found


def default_merchant(*, session: Session, org_id: uuid.UUID) -> Merchant:
    """The organisation's default merchant, created on first need.

    Race-safe: two transactions that both find none both try to insert code `default`; the
    unique (org, code) lets one win and the other reads the winner's row.
    """
    found = _default(session, org_id)
    if found is not None:
        return found
    merchant = unsaved_default(session=session, org_id=org_id)
    try:
        with session.begin_nested():
            session.add(merchant)
    except IntegrityError:
        found = _default(session, org_id)
        if found is None:
            raise Conflict(
                f"a merchant with code `{DEFAULT_CODE}` exists but is not the default"
            ) from None
        return found
    return merchant


def unsaved_default(*, session: Session, org_id: uuid.UUID) -> Merchant:
    """The default merchant as it will be made (named after the organisation), not added."""
    name = session.scalar(select(Organization.name).where(Organization.id == org_id))
    return Merchant(
        org_id=org_id,
        code=DEFAULT_CODE,
        name=name or "Default merchant",
        currency=DEFAULT_CURRENCY,
        is_default=True,
    )


def _default(session: Session, org_id: uuid.UUID) -> Merchant | None:
    return session.scalar(
        select(Merchant).where(Merchant.org_id == org_id, Merchant.is_default.is_(True))
    )


def merchant_of(*, session: Session, org_id: uuid.UUID, merchant_id: uuid.UUID | None) -> Merchant:
    """A shipment's merchant: the one it names, or the organisation's default."""
    if merchant_id is not None:
        found = session.get(Merchant, merchant_id)
        if found is not None and found.org_id == org_id:
            return found
    return default_merchant(session=session, org_id=org_id)


def shipment_merchant(
    *, session: Session, org_id: uuid.UUID, merchant_id: uuid.UUID | None
) -> Merchant | None:
    """Like `merchant_of`, read only: None when the default merchant is not made yet."""
    if merchant_id is not None:
        found = session.get(Merchant, merchant_id)
        if found is not None and found.org_id == org_id:
            return found
    return _default(session, org_id)


def ids_by_code(
    *, session: Session, org_id: uuid.UUID, codes: Collection[str]
) -> dict[str, uuid.UUID]:
    """The ids of those of `codes` that name one of the organisation's merchants."""
    if not codes:
        return {}
    rows = session.execute(
        select(Merchant.code, Merchant.id).where(
            Merchant.org_id == org_id, Merchant.code.in_(set(codes))
        )
    )
    return {str(code): merchant_id for code, merchant_id in rows}


def id_for_code(*, session: Session, org_id: uuid.UUID, code: str | None) -> uuid.UUID | None:
    """The id of merchant `code` (None: no code, the default); unknown → 422 on `merchant`."""
    if code is None:
        return None
    found = ids_by_code(session=session, org_id=org_id, codes=[code]).get(code)
    if found is None:
        raise InvalidInput("merchant", f"no merchant `{code}` in this organisation")
    return found


def create_merchant(
    *,
    session: Session,
    org_id: uuid.UUID,
    code: str,
    name: str,
    currency: str,
    billing_email: str | None = None,
    billing_address: str | None = None,
) -> Merchant:
    """A new merchant; a code already used → 409."""
    merchant = Merchant(
        org_id=org_id,
        code=code,
        name=name,
        currency=currency,
        billing_email=billing_email,
        billing_address=billing_address,
        is_default=False,
    )
    try:
        with session.begin_nested():
            session.add(merchant)
    except IntegrityError:
        raise Conflict(f"a merchant with code `{code}` exists") from None
    return merchant


def find_merchant(
    *, session: Session, org_id: uuid.UUID, code: str, make_default: bool = False
) -> Merchant | None:
    """Merchant `code`; `default` names the default merchant, made when `make_default`."""
    found = session.scalar(select(Merchant).where(Merchant.org_id == org_id, Merchant.code == code))
    if found is None and code == DEFAULT_CODE:
        if make_default:
            return default_merchant(session=session, org_id=org_id)
        return _default(session, org_id)
    return found


def update_merchant(*, merchant: Merchant, changes: dict[str, object]) -> Merchant:
    """Set the given fields (name, billing_email, billing_address)."""
    for name, value in changes.items():
        setattr(merchant, name, value)
    return merchant
