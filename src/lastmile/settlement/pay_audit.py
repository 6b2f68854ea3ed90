"""How carriers, pay plans, drivers' employment and cash corrections are named in the audit
log, and what a change shows."""

from typing import Any

from lastmile.audit.types import Subject, SubjectType
from lastmile.fleet.models import Driver
from lastmile.settlement.cod_models import CodRemittance
from lastmile.settlement.pay_models import Carrier, DriverEmployment, PayPlan


def carrier(row: Carrier) -> Subject:
    return Subject(SubjectType.CARRIER, str(row.id), row.name)


def driver(row: Driver) -> Subject:
    return Subject(SubjectType.DRIVER, str(row.id), row.name)


def pay_plan(row: PayPlan, payee_name: str) -> Subject:
    return Subject(SubjectType.PAY_PLAN, str(row.id), f"{payee_name} v{row.version}")


def plan_fields(row: PayPlan) -> dict[str, Any]:
    return {
        "version": row.version,
        "valid_from": row.valid_from,
        "currency": row.currency,
        "rules": dict(row.rules),
    }


def employment_fields(row: DriverEmployment | None) -> dict[str, Any]:
    if row is None:
        return {"employment": None, "carrier_id": None}
    return {"employment": row.employment, "carrier_id": row.carrier_id}


def remittance(row: CodRemittance, merchant_name: str) -> Subject:
    return Subject(SubjectType.COD_REMITTANCE, str(row.id), f"{merchant_name}: {row.reference}")


def remittance_fields(row: CodRemittance) -> dict[str, Any]:
    return {
        "merchant_id": row.merchant_id,
        "amount": str(row.amount),
        "currency": row.currency,
        "remitted_on": row.remitted_on,
        "reference": row.reference,
        "invoice_id": row.invoice_id,
    }
