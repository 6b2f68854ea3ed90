"""HTTP routes: staff read a driver's cash ledger and confirm handovers (the driver's side:
`driver.cash_views`)."""

import uuid

from fastapi import APIRouter

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep, StaffDep
from lastmile.payments import service
from lastmile.payments.schemas import HandoverIn, LedgerEntryOut, LedgerOut

router = APIRouter(tags=["cash on delivery"], responses=COMMON_PROBLEMS)


@router.get("/api/v1/drivers/{driver_id}/cash")
def driver_ledger(driver_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> LedgerOut:
    entries = service.ledger(session=session, org_id=principal.org_id, driver_id=driver_id)
    return LedgerOut(
        balance=service.balances(session=session, org_id=principal.org_id, driver_id=driver_id),
        entries=[LedgerEntryOut.model_validate(e) for e in entries],
    )


@router.post("/api/v1/drivers/{driver_id}/cash/handovers", status_code=201)
def confirm_handover(
    driver_id: uuid.UUID, body: HandoverIn, session: SessionDep, principal: StaffDep
) -> LedgerEntryOut:
    """The dispatcher counted the driver's cash: the amount leaves the driver's balance."""
    entry = service.confirm_handover(
        session=session,
        org_id=principal.org_id,
        driver_id=driver_id,
        amount=body.amount,
        currency=body.currency,
        actor=principal.actor,
        note=body.note,
    )
    session.commit()
    return LedgerEntryOut.model_validate(entry)
