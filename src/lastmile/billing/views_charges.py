"""HTTP routes for merchants, rate cards, quotes, a shipment's charges and the month's
balances. Editing is for admins (audited); staff read."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from lastmile.api.deps import NowDep, SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import AdminDep, StaffDep
from lastmile.billing import audit_subjects as subjects
from lastmile.billing import merchants, rates
from lastmile.billing.balances import balances
from lastmile.billing.charge_schemas import (
    Balances,
    LineOut,
    MerchantBalance,
    MerchantIn,
    MerchantOut,
    MerchantPatch,
    Priced,
    QuoteIn,
    QuoteOut,
    RateCardIn,
    RateCardOut,
    ShipmentCharges,
)
from lastmile.billing.charges import lines_of
from lastmile.billing.jobs import org_zone
from lastmile.billing.models import Merchant
from lastmile.billing.money import ZERO, money_text
from lastmile.billing.quote import quote
from lastmile.errors import NotFound
from lastmile.shipments.service import get_shipment

router = APIRouter(prefix="/api/v1", tags=["billing"], responses=COMMON_PROBLEMS)

Period = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="YYYY-MM; default: this month at the organisation's clock",
    ),
]


@router.get("/billing/merchants")
def list_merchants(session: SessionDep, principal: StaffDep) -> list[MerchantOut]:
    return [
        MerchantOut.of(m)
        for m in merchants.list_merchants(session=session, org_id=principal.org_id)
    ]


@router.post("/billing/merchants", status_code=status.HTTP_201_CREATED)
def create_merchant(body: MerchantIn, session: SessionDep, principal: AdminDep) -> MerchantOut:
    merchant = merchants.create_merchant(
        session=session, org_id=principal.org_id, **body.model_dump()
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.MERCHANT_CREATE,
        subject=subjects.merchant(merchant),
        after=subjects.merchant_fields(merchant),
    )
    session.commit()
    return MerchantOut.of(merchant)


@router.patch("/billing/merchants/{code}")
def update_merchant(
    code: str, body: MerchantPatch, session: SessionDep, principal: AdminDep
) -> MerchantOut:
    merchant = _merchant(session, principal.org_id, code, make_default=True)
    before = subjects.merchant_fields(merchant)
    merchants.update_merchant(merchant=merchant, changes=body.model_dump(exclude_unset=True))
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.MERCHANT_UPDATE,
        subject=subjects.merchant(merchant),
        before=before,
        after=subjects.merchant_fields(merchant),
    )
    session.commit()
    return MerchantOut.of(merchant)


@router.get("/billing/merchants/{code}/rate-cards")
def list_rate_cards(code: str, session: SessionDep, principal: StaffDep) -> list[RateCardOut]:
    """Every version, newest first."""
    found = merchants.find_merchant(session=session, org_id=principal.org_id, code=code)
    if found is None and code != merchants.DEFAULT_CODE:
        raise NotFound(f"no merchant `{code}` in this organisation")
    if found is None:
        return []
    return [RateCardOut.of(card) for card in rates.versions(session=session, merchant=found)]


@router.post(
    "/billing/merchants/{code}/rate-cards",
    status_code=status.HTTP_201_CREATED,
    description="Adds a version from `valid_from` on and closes the current one that day. "
    "Distance is charged on the straight line from the shipment's hub to its address times "
    "`detour_factor`, not the planned road distance (the merchant can check it; a quote "
    "equals the charge; our sequencing of stops does not change it).",
)
def add_rate_card(
    code: str, body: RateCardIn, session: SessionDep, principal: AdminDep
) -> RateCardOut:
    merchant = _merchant(session, principal.org_id, code, make_default=True)
    card = rates.add_version(
        session=session,
        merchant=merchant,
        valid_from=body.valid_from,
        rules=body.rules,
        currency=body.currency or merchant.currency,
        created_by=principal.actor,
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.RATE_CARD_CREATE,
        subject=subjects.merchant(merchant),
        after=subjects.rate_card_fields(card),
    )
    session.commit()
    return RateCardOut.of(card)


@router.post(
    "/billing/quote",
    description="Prices a hypothetical shipment (by the merchant's card valid on its delivery "
    "date, or by unsaved `rules`) and writes nothing. Distance: straight line hub → address "
    "times `detour_factor`.",
)
def quote_shipment(
    body: QuoteIn, session: SessionDep, principal: StaffDep, now: NowDep
) -> QuoteOut:
    priced = quote(session=session, org_id=principal.org_id, data=body, now=now)
    session.rollback()
    return QuoteOut(
        **Priced.of_lines(priced.lines, priced.currency),
        rate_card_version=priced.rate_card_version,
    )


@router.get("/shipments/{tracking_number}/charges")
def shipment_charges(
    tracking_number: str, session: SessionDep, principal: StaffDep
) -> ShipmentCharges:
    """Every line the shipment's events added, adjusting ones included, and their sums."""
    shipment = get_shipment(
        session=session, org_id=principal.org_id, tracking_number=tracking_number
    )
    merchant = merchants.shipment_merchant(
        session=session, org_id=principal.org_id, merchant_id=shipment.merchant_id
    )
    rows = lines_of(session=session, shipment=shipment)
    currency = rows[0].currency if rows else (merchant.currency if merchant else "EUR")
    subtotal = sum((row.amount for row in rows), ZERO)
    tax = sum((row.tax_amount for row in rows), ZERO)
    return ShipmentCharges(
        tracking_number=shipment.tracking_number,
        merchant=merchant.code if merchant else merchants.DEFAULT_CODE,
        currency=currency,
        lines=[LineOut.of_row(row) for row in rows],
        subtotal=money_text(subtotal, currency),
        tax=money_text(tax, currency),
        total=money_text(subtotal + tax, currency),
    )


@router.get("/billing/balances")
def month_balances(
    session: SessionDep, principal: StaffDep, now: NowDep, period: Period = None
) -> Balances:
    """Each merchant's running balance for the month: lines with a service date in it."""
    chosen = period or _this_month(session, principal.org_id, now)
    return Balances(
        period=chosen,
        merchants=[
            MerchantBalance(
                merchant=b.merchant.code,
                name=b.merchant.name,
                currency=b.merchant.currency,
                has_rate_card=b.has_rate_card,
                deliveries=b.deliveries,
                lines=b.lines,
                subtotal=money_text(b.subtotal, b.merchant.currency),
                tax=money_text(b.tax, b.merchant.currency),
                total=money_text(b.total, b.merchant.currency),
            )
            for b in balances(session=session, org_id=principal.org_id, period=chosen)
        ],
    )


def _this_month(session: Session, org_id: uuid.UUID, now: datetime) -> str:
    return now.astimezone(org_zone(session, org_id=org_id)).strftime("%Y-%m")


def _merchant(session: Session, org_id: uuid.UUID, code: str, *, make_default: bool) -> Merchant:
    found = merchants.find_merchant(
        session=session, org_id=org_id, code=code, make_default=make_default
    )
    if found is None:
        raise NotFound(f"no merchant `{code}` in this organisation")
    return found
