"""HTTP routes: the driver records cash on delivery and sees the cash to hand over."""

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.driver import workflow
from lastmile.driver.action_views import apply_once
from lastmile.driver.schemas import PaymentIn
from lastmile.driver_auth.deps import DriverDep
from lastmile.fleet.service import current_shift, list_shifts
from lastmile.payments import service
from lastmile.payments.schemas import CashSummaryOut, PaymentOut

router = APIRouter(tags=["cash on delivery"], responses=COMMON_PROBLEMS)


@router.post("/api/v1/driver/stops/{stop_id}/payment", status_code=201, response_model=PaymentOut)
def record_payment(
    stop_id: uuid.UUID, body: PaymentIn, driver: DriverDep, session: SessionDep
) -> JSONResponse:
    """The amount due, paid in full by cash, card or wallet; cash goes on the driver's ledger."""
    stop, shipment, route = workflow.driver_stop(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, stop_id=stop_id
    )

    def apply() -> PaymentOut:
        workflow.open_stop(stop=stop, route=route)
        position = body.position
        payment = service.record_payment(
            session=session,
            stop=stop,
            shipment=shipment,
            driver_id=driver.driver_id,
            amount=body.amount,
            currency=body.currency,
            method=body.method,
            at=body.at,
            lat=position.lat if position else None,
            lon=position.lon if position else None,
            actor=driver.actor,
        )
        return PaymentOut.model_validate(payment)

    return apply_once(
        session=session,
        driver=driver,
        action=body,
        kind="payment",
        target=str(stop_id),
        apply=apply,
        status_code=201,
    )


@router.get("/api/v1/driver/cash")
def cash_summary(driver: DriverDep, session: SessionDep) -> CashSummaryOut:
    """Cash to hand over now, and this (or the last ended) shift's COD by method."""
    shift = current_shift(session=session, driver_id=driver.driver_id)
    if shift is None:
        recent = list_shifts(
            session=session, org_id=driver.org_id, driver_id=driver.driver_id, limit=1
        )
        shift = recent[0] if recent else None
    summary = service.cash_summary(
        session=session,
        org_id=driver.org_id,
        driver_id=driver.driver_id,
        shift_id=shift.id if shift else None,
    )
    return CashSummaryOut(
        to_hand_over=summary.to_hand_over,
        shift_id=summary.shift_id,
        shift_payments=summary.shift_payments,
        shift_collected=summary.shift_collected,
    )
