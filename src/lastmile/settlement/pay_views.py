"""HTTP routes for pay and cash: admins edit carriers, employment, pay plans, remittances
and hand-over corrections; dispatchers read statements and reconciliations."""

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.alerts.models import Alert
from lastmile.api.csv_export import csv_response
from lastmile.api.deps import NowDep, SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit.types import actor_of
from lastmile.auth.deps import AdminDep, StaffDep
from lastmile.auth.models import Organization
from lastmile.billing.jobs import org_zone
from lastmile.bus.base import Bus
from lastmile.bus.from_thread import publish_from_thread
from lastmile.errors import InvalidInput
from lastmile.fleet.service import get_driver
from lastmile.settlement import cod, pay, pay_plans
from lastmile.settlement.pay_export import CSV_HEADER, csv_rows, statement_pdf
from lastmile.settlement.pay_period import Period, parse_period
from lastmile.settlement.pay_plans import Payee
from lastmile.settlement.pay_schemas import (
    CarrierIn,
    CarrierOut,
    CheckIn,
    CheckOut,
    CorrectionIn,
    DayTotalOut,
    DriverDayOut,
    EmploymentIn,
    EmploymentOut,
    MerchantCashOut,
    PayPlanIn,
    PayPlanOut,
    ReconciliationOut,
    RemittanceIn,
    RemittanceOut,
    StatementOut,
    StatementSummaryOut,
)

router = APIRouter(prefix="/api/v1/billing", tags=["pay and cash"], responses=COMMON_PROBLEMS)

PeriodQuery = Annotated[
    str, Query(description="a month (2026-12), a day (2026-12-07) or 2026-12-01..2026-12-15")
]
DriverQuery = Annotated[uuid.UUID | None, Query(alias="driver")]
CarrierQuery = Annotated[uuid.UUID | None, Query(alias="carrier")]


@router.get("/carriers")
def list_carriers(session: SessionDep, principal: StaffDep) -> list[CarrierOut]:
    carriers = pay_plans.list_carriers(session, org_id=principal.org_id)
    return [CarrierOut.model_validate(c) for c in carriers]


@router.post("/carriers", status_code=201)
def add_carrier(body: CarrierIn, session: SessionDep, principal: AdminDep) -> CarrierOut:
    carrier = pay_plans.add_carrier(
        session, org_id=principal.org_id, name=body.name, actor=actor_of(principal)
    )
    session.commit()
    return CarrierOut.model_validate(carrier)


@router.put("/drivers/{driver_id}/employment")
def set_employment(
    driver_id: uuid.UUID, body: EmploymentIn, session: SessionDep, principal: AdminDep
) -> EmploymentOut:
    row = pay_plans.set_employment(
        session,
        org_id=principal.org_id,
        driver_id=driver_id,
        employment=body.employment,
        carrier_id=body.carrier_id,
        actor=actor_of(principal),
    )
    session.commit()
    return EmploymentOut.model_validate(row)


def _payee(driver: uuid.UUID | None, carrier: uuid.UUID | None) -> Payee:
    if (driver is None) == (carrier is None):
        raise InvalidInput("driver", "name either a driver or a carrier")
    return Payee(driver_id=driver, carrier_id=carrier)


@router.get("/pay-plans")
def list_pay_plans(
    session: SessionDep,
    principal: StaffDep,
    driver: DriverQuery = None,
    carrier: CarrierQuery = None,
) -> list[PayPlanOut]:
    """Every version of one payee's plan, oldest first."""
    plans = pay_plans.versions(session, org_id=principal.org_id, payee=_payee(driver, carrier))
    return [PayPlanOut.of(p) for p in plans]


@router.post("/pay-plans", status_code=201)
def add_pay_plan(body: PayPlanIn, session: SessionDep, principal: AdminDep) -> PayPlanOut:
    """A new version, valid from `valid_from`; the version before it ends that day."""
    plan = pay_plans.add_version(
        session,
        org_id=principal.org_id,
        payee=Payee(driver_id=body.driver_id, carrier_id=body.carrier_id),
        valid_from=body.valid_from,
        currency=body.currency,
        rules=body.rules,
        actor=actor_of(principal),
    )
    session.commit()
    return PayPlanOut.of(plan)


@router.get("/pay-statements", response_model=None)
def pay_statements(
    session: SessionDep,
    principal: StaffDep,
    period: PeriodQuery,
    driver: DriverQuery = None,
    carrier: CarrierQuery = None,
) -> StatementOut | list[StatementSummaryOut]:
    """One driver's or carrier's statement; with neither, every active driver's total."""
    chosen = parse_period(period)
    if driver is None and carrier is None:
        return [
            StatementSummaryOut(
                driver_id=s.payee.driver_id,
                driver_name=s.payee_name,
                currency=s.currency,
                lines=len(s.lines),
                total=StatementOut.of(s).total,
            )
            for s in pay.driver_statements(session, org_id=principal.org_id, period=chosen)
        ]
    found = pay.statement(
        session, org_id=principal.org_id, payee=_payee(driver, carrier), period=chosen
    )
    return StatementOut.of(found)


def _one_statement(
    session: SessionDep,
    principal: StaffDep,
    period: PeriodQuery,
    driver: DriverQuery = None,
    carrier: CarrierQuery = None,
) -> pay.Statement:
    """The statement a download asks for (one driver's or one carrier's)."""
    return pay.statement(
        session, org_id=principal.org_id, payee=_payee(driver, carrier), period=parse_period(period)
    )


OneStatement = Annotated[pay.Statement, Depends(_one_statement)]


def _filename(statement: pay.Statement, extension: str) -> str:
    name = "".join(c if c.isalnum() else "-" for c in statement.payee_name).strip("-")
    return f"pay-{name or 'statement'}-{statement.period}.{extension}"


@router.get(
    "/pay-statements.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The statement as CSV"}},
)
def pay_statement_csv(found: OneStatement) -> Response:
    return csv_response(CSV_HEADER, csv_rows(found), filename=_filename(found, "csv"))


@router.get(
    "/pay-statements.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The statement as PDF"}},
)
def pay_statement_pdf(found: OneStatement, session: SessionDep, principal: StaffDep) -> Response:
    org = session.get(Organization, principal.org_id)
    pdf = statement_pdf(found, org_name=org.name if org else "")
    disposition = f'attachment; filename="{_filename(found, "pdf")}"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


def _reconciliation(
    session: SessionDep, org_id: uuid.UUID, chosen: Period, driver: uuid.UUID | None
) -> ReconciliationOut:
    zone = org_zone(session, org_id=org_id)
    rows = cod.driver_days(session, org_id=org_id, period=chosen, zone=zone, driver_id=driver)
    merchants = (
        [] if driver else cod.merchant_cash(session, org_id=org_id, period=chosen, zone=zone)
    )
    return ReconciliationOut(
        period_first=chosen.first,
        period_last=chosen.last,
        drivers=[DriverDayOut.of(r) for r in rows],
        days=[DayTotalOut.of(t) for t in cod.day_totals(rows)],
        merchants=[MerchantCashOut.of(m) for m in merchants],
    )


def _period_or_date(
    period: Annotated[str | None, Query(description="a month, a day or a range")] = None,
    day: Annotated[str | None, Query(alias="date", description="one day: 2026-12-07")] = None,
) -> Period:
    if (period is None) == (day is None):
        raise InvalidInput("period", "give either date=YYYY-MM-DD or period=…")
    if day is not None:
        return parse_period(day, field="date")
    assert period is not None
    return parse_period(period)


PeriodOrDate = Annotated[Period, Depends(_period_or_date)]


@router.get("/cod/reconciliation")
def cod_reconciliation(
    session: SessionDep, principal: StaffDep, chosen: PeriodOrDate
) -> ReconciliationOut:
    """Collected vs handed over per driver and day, totals per day, and per merchant
    collected vs remitted."""
    return _reconciliation(session, principal.org_id, chosen, None)


@router.get("/cod/reconciliation/drivers/{driver_id}")
def cod_driver_reconciliation(
    driver_id: uuid.UUID, session: SessionDep, principal: StaffDep, chosen: PeriodOrDate
) -> ReconciliationOut:
    get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    return _reconciliation(session, principal.org_id, chosen, driver_id)


@router.get("/cod/remittances")
def list_remittances(
    session: SessionDep, principal: StaffDep, period: PeriodQuery
) -> list[RemittanceOut]:
    rows = cod.list_remittances(session, org_id=principal.org_id, period=parse_period(period))
    return [RemittanceOut.of(r) for r in rows]


@router.post("/cod/remittances", status_code=201)
def record_remittance(
    body: RemittanceIn, session: SessionDep, principal: AdminDep
) -> RemittanceOut:
    row = cod.record_remittance(
        session,
        org_id=principal.org_id,
        merchant_id=body.merchant_id,
        amount=body.amount,
        currency=body.currency,
        remitted_on=body.remitted_on,
        reference=body.reference,
        actor=actor_of(principal),
    )
    session.commit()
    return RemittanceOut.of(row)


@router.post("/cod/corrections", status_code=201)
def record_correction(
    body: CorrectionIn, request: Request, session: SessionDep, principal: AdminDep, now: NowDep
) -> ReconciliationOut:
    """Cash handed over for a past day, counted late; returns the driver's day again."""
    changed = cod.record_correction(
        session,
        org_id=principal.org_id,
        driver_id=body.driver_id,
        day=body.day,
        amount=body.amount,
        currency=body.currency,
        note=body.note,
        actor=actor_of(principal),
        now=now,
    )
    session.commit()
    _announce(request, principal.org_id, changed)
    return _reconciliation(session, principal.org_id, Period(body.day, body.day), body.driver_id)


def _announce(request: Request, org_id: uuid.UUID, changed: list[Alert]) -> None:
    """Changed alerts to the Control Tower, after the commit."""
    if not changed:
        return
    messages = [alert_message(alert) for alert in changed]
    bus: Bus = request.app.state.bus
    publish_from_thread(
        partial(publish_alerts, bus, org_id=org_id, messages=messages),
        what="the cash discrepancy alerts of a count",
    )


@router.post("/cod/checks")
def count_day(
    body: CheckIn, request: Request, session: SessionDep, principal: StaffDep, now: NowDep
) -> CheckOut:
    """Count a day's cash now (the hub closed): short drivers get an alert, once."""
    changed = cod.check_day(session, org_id=principal.org_id, day=body.day, now=now)
    session.commit()
    _announce(request, principal.org_id, changed)
    return CheckOut(day=body.day, alerts_changed=len(changed))
