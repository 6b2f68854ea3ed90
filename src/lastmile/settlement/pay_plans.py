"""Carriers, how drivers are employed, and pay plan versions: adding them (audited) and
finding the one valid on a day. Plain functions over a session; the caller commits."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.audit import service as audit
from lastmile.audit.types import Action, Actor
from lastmile.billing.money import UnknownCurrency, check_currency
from lastmile.db import utcnow
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.fleet.service import get_driver
from lastmile.settlement import pay_audit
from lastmile.settlement.pay_models import Carrier, DriverEmployment, Employment, PayPlan
from lastmile.settlement.pay_rules import PayRules


@dataclass(frozen=True, slots=True)
class Payee:
    """Whom a plan or a statement is for: one driver or one carrier."""

    driver_id: uuid.UUID | None = None
    carrier_id: uuid.UUID | None = None

    @property
    def key(self) -> str:
        if self.driver_id is not None:
            return f"driver:{self.driver_id}"
        return f"carrier:{self.carrier_id}"


def get_carrier(session: Session, *, org_id: uuid.UUID, carrier_id: uuid.UUID) -> Carrier:
    carrier = session.get(Carrier, carrier_id)
    if carrier is None or carrier.org_id != org_id:
        raise NotFound(f"no carrier {carrier_id}")
    return carrier


def list_carriers(session: Session, *, org_id: uuid.UUID) -> list[Carrier]:
    return list(
        session.scalars(select(Carrier).where(Carrier.org_id == org_id).order_by(Carrier.name))
    )


def add_carrier(session: Session, *, org_id: uuid.UUID, name: str, actor: Actor) -> Carrier:
    taken = session.scalar(select(Carrier.id).where(Carrier.org_id == org_id, Carrier.name == name))
    if taken is not None:
        raise Conflict(f"a carrier named {name!r} exists already")
    carrier = Carrier(org_id=org_id, name=name)
    return audit.audited_add(
        session=session,
        org_id=org_id,
        row=carrier,
        actor=actor,
        action=Action.CARRIER_CREATE,
        subject=pay_audit.carrier,
        after=lambda _: {"name": name},
    )


def employment_of(session: Session, *, driver_id: uuid.UUID) -> DriverEmployment | None:
    return session.scalar(select(DriverEmployment).where(DriverEmployment.driver_id == driver_id))


def set_employment(
    session: Session,
    *,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    employment: Employment,
    carrier_id: uuid.UUID | None,
    actor: Actor,
) -> DriverEmployment:
    """A carrier's driver names the carrier; an employee or a contractor names none."""
    driver = get_driver(session=session, org_id=org_id, driver_id=driver_id)
    if employment is Employment.CARRIER and carrier_id is None:
        raise InvalidInput("carrier_id", "is missing: a carrier's driver names the carrier")
    if employment is not Employment.CARRIER and carrier_id is not None:
        raise InvalidInput("carrier_id", f"is set: an {employment.value} works for no carrier")
    if carrier_id is not None:
        get_carrier(session, org_id=org_id, carrier_id=carrier_id)
    row = employment_of(session, driver_id=driver_id)
    before = pay_audit.employment_fields(row)
    if row is None:
        row = DriverEmployment(org_id=org_id, driver_id=driver_id, employment=employment)
        session.add(row)
    row.employment, row.carrier_id, row.updated_at = employment, carrier_id, utcnow()
    session.flush()
    audit.record(
        session=session,
        org_id=org_id,
        actor=actor,
        action=Action.DRIVER_EMPLOYMENT,
        subject=pay_audit.driver(driver),
        before=before,
        after=pay_audit.employment_fields(row),
    )
    return row


def versions(session: Session, *, org_id: uuid.UUID, payee: Payee) -> list[PayPlan]:
    """Oldest first."""
    query = select(PayPlan).where(PayPlan.org_id == org_id, PayPlan.payee_key == payee.key)
    return list(session.scalars(query.order_by(PayPlan.version)))


def add_version(
    session: Session,
    *,
    org_id: uuid.UUID,
    payee: Payee,
    valid_from: date,
    currency: str,
    rules: PayRules,
    actor: Actor,
) -> PayPlan:
    """A new version valid from `valid_from`; the version before it ends that day.

    A version may not start on or before the previous one's start (that would rewrite pay
    already computed from it), and all versions of one payee share a currency.
    """
    if payee.driver_id is not None:
        label = pay_audit.driver(
            get_driver(session=session, org_id=org_id, driver_id=payee.driver_id)
        )
    elif payee.carrier_id is not None:
        label = pay_audit.carrier(get_carrier(session, org_id=org_id, carrier_id=payee.carrier_id))
    else:
        raise InvalidInput("driver_id", "is missing: a plan is for a driver or a carrier")
    try:
        currency = check_currency(currency)
    except UnknownCurrency as error:
        raise InvalidInput("currency", str(error)) from None
    previous = versions(session, org_id=org_id, payee=payee)
    if previous:
        last = previous[-1]
        if valid_from <= last.valid_from:
            raise InvalidInput(
                "valid_from",
                f"is {valid_from}: version {last.version} starts {last.valid_from}; a new"
                " version starts later",
            )
        if currency != last.currency:
            raise InvalidInput("currency", f"is {currency}: this plan pays in {last.currency}")
        last.valid_to = valid_from
    plan = PayPlan(
        org_id=org_id,
        driver_id=payee.driver_id,
        carrier_id=payee.carrier_id,
        payee_key=payee.key,
        version=previous[-1].version + 1 if previous else 1,
        valid_from=valid_from,
        valid_to=None,
        currency=currency,
        rules=rules.model_dump(mode="json"),
        created_by=actor.name,
    )
    return audit.audited_add(
        session=session,
        org_id=org_id,
        row=plan,
        actor=actor,
        action=Action.PAY_PLAN_CREATE,
        subject=lambda row: pay_audit.pay_plan(row, label.label),
        after=pay_audit.plan_fields,
    )


def valid_on(plans: list[PayPlan], day: date) -> PayPlan | None:
    """The version in force on `day`, if any."""
    for plan in plans:
        if plan.valid_from <= day and (plan.valid_to is None or day < plan.valid_to):
            return plan
    return None
