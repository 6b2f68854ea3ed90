"""Cash on delivery reconciled: what each driver collected at the door against what the hub
counted from them (per driver and day, at the hub's clock), and what was collected for each
merchant against what was paid over to it (remittances).

A hand-over counts for the day of the cash it settles: the day of the driver's latest
collection in the `SETTLES_WITHIN` before it (the count after a shift that ran past midnight,
or the next morning before the first door), else its own day.

A driver's day is short when cash collected that day exceeds cash handed over that day; the
end-of-day check (`check_day`, run by `cod_scheduled` once the day is over at the hub, or by
a dispatcher from the Control Tower when the hub closes earlier) raises a `cod_discrepancy`
alert per driver, day and currency, once (its key), and clears it when a correction
balances the day.
"""

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts import service as alerts
from lastmile.alerts.models import Alert
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.audit import service as audit
from lastmile.audit.types import Action, Actor
from lastmile.billing.jobs import org_zone
from lastmile.billing.models import Merchant
from lastmile.billing.money import UnknownCurrency, check_currency, format_money, round_money
from lastmile.errors import InvalidInput, NotFound
from lastmile.fleet.models import Driver, Shift
from lastmile.fleet.service import get_driver
from lastmile.payments.models import CashLedgerEntry, CodPayment, LedgerKind, PaymentMethod
from lastmile.settlement import pay_audit
from lastmile.settlement.cod_models import CodRemittance
from lastmile.settlement.pay_period import Period, day_start
from lastmile.shipments.models import Shipment

ZERO = Decimal(0)
SETTLES_WITHIN = timedelta(hours=24)
"""How long after a collection a hand-over still counts for the collection's day."""


@dataclass(frozen=True, slots=True)
class DriverDay:
    """One driver's cash on one day in one currency; `short` > 0 is missing cash."""

    day: date
    driver_id: uuid.UUID
    driver_name: str
    currency: str
    collected: Decimal
    handed_over: Decimal
    on_shift: bool = False
    """The driver's shift that day is still open: the cash is with them, not missing."""

    @property
    def short(self) -> Decimal:
        return self.collected - self.handed_over


@dataclass(frozen=True, slots=True)
class MerchantCash:
    merchant_id: uuid.UUID
    merchant_name: str
    currency: str
    collected: Decimal
    remitted: Decimal

    @property
    def due(self) -> Decimal:
        return self.collected - self.remitted


def driver_days(
    session: Session,
    *,
    org_id: uuid.UUID,
    period: Period,
    zone: ZoneInfo,
    driver_id: uuid.UUID | None = None,
) -> list[DriverDay]:
    """Cash collected and handed over per driver, day and currency (days with any)."""
    start, end = period.bounds(zone)
    query = (
        select(CashLedgerEntry, Driver.name)
        .join(Driver, Driver.id == CashLedgerEntry.driver_id)
        .where(
            CashLedgerEntry.org_id == org_id,
            CashLedgerEntry.at >= start - SETTLES_WITHIN,
            CashLedgerEntry.at < end + SETTLES_WITHIN,
        )
        .order_by(CashLedgerEntry.at, CashLedgerEntry.id)
    )
    if driver_id is not None:
        query = query.where(CashLedgerEntry.driver_id == driver_id)
    sums: dict[tuple[date, uuid.UUID, str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    last_collected: dict[tuple[uuid.UUID, str], datetime] = {}
    for entry, name in session.execute(query):
        day = entry.at.astimezone(zone).date()
        collected_at = last_collected.get((entry.driver_id, entry.currency))
        if entry.kind is LedgerKind.COLLECTED:
            last_collected[(entry.driver_id, entry.currency)] = entry.at
        elif collected_at is not None and entry.at - collected_at <= SETTLES_WITHIN:
            day = collected_at.astimezone(zone).date()
        if not period.first <= day <= period.last:
            continue
        key = (day, entry.driver_id, name, entry.currency)
        sums[key][0 if entry.kind is LedgerKind.COLLECTED else 1] += entry.amount
    open_since = _open_shifts(session, org_id=org_id, zone=zone, driver_id=driver_id)
    return [
        DriverDay(
            day,
            driver,
            name,
            currency,
            collected,
            handed,
            on_shift=driver in open_since and open_since[driver] <= day,
        )
        for (day, driver, name, currency), (collected, handed) in sorted(
            sums.items(), key=lambda item: (item[0][0], item[0][2], item[0][3])
        )
    ]


def _open_shifts(
    session: Session, *, org_id: uuid.UUID, zone: ZoneInfo, driver_id: uuid.UUID | None
) -> dict[uuid.UUID, date]:
    """The local day each driver's open shift started on, for drivers on shift now (only
    `driver_id`'s when given)."""
    query = select(Shift.driver_id, Shift.started_at).where(
        Shift.org_id == org_id, Shift.ended_at.is_(None)
    )
    if driver_id is not None:
        query = query.where(Shift.driver_id == driver_id)
    rows = session.execute(query)
    return {driver: started.astimezone(zone).date() for driver, started in rows}


@dataclass(frozen=True, slots=True)
class DayTotal:
    day: date
    currency: str
    collected: Decimal
    handed_over: Decimal


def day_totals(rows: list[DriverDay]) -> list[DayTotal]:
    """All drivers' cash per day and currency."""
    sums: dict[tuple[date, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in rows:
        sums[(row.day, row.currency)][0] += row.collected
        sums[(row.day, row.currency)][1] += row.handed_over
    return [DayTotal(day, cur, c, h) for (day, cur), (c, h) in sorted(sums.items())]


def list_remittances(session: Session, *, org_id: uuid.UUID, period: Period) -> list[CodRemittance]:
    query = select(CodRemittance).where(
        CodRemittance.org_id == org_id,
        CodRemittance.remitted_on >= period.first,
        CodRemittance.remitted_on <= period.last,
    )
    return list(session.scalars(query.order_by(CodRemittance.remitted_on, CodRemittance.id)))


def _merchant_of(session: Session, org_id: uuid.UUID) -> dict[uuid.UUID | None, Merchant]:
    merchants = session.scalars(select(Merchant).where(Merchant.org_id == org_id))
    by_id: dict[uuid.UUID | None, Merchant] = {}
    for merchant in merchants:
        by_id[merchant.id] = merchant
        if merchant.is_default:
            by_id[None] = merchant
    return by_id


def merchant_cash(
    session: Session,
    *,
    org_id: uuid.UUID,
    period: Period,
    zone: ZoneInfo,
    merchant_id: uuid.UUID | None = None,
) -> list[MerchantCash]:
    """Cash collected on each merchant's shipments in the period (by the door's time) and
    remitted to it in the period (by the remittance's day)."""
    start, end = period.bounds(zone)
    merchants = _merchant_of(session, org_id)
    sums: dict[tuple[uuid.UUID, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    payments = session.execute(
        select(CodPayment.amount, CodPayment.currency, Shipment.merchant_id)
        .join(Shipment, Shipment.id == CodPayment.shipment_id)
        .where(
            CodPayment.org_id == org_id,
            CodPayment.method == PaymentMethod.CASH,
            CodPayment.at >= start,
            CodPayment.at < end,
        )
    )
    for amount, currency, shipment_merchant in payments:
        merchant = merchants.get(shipment_merchant)
        if merchant is not None:
            sums[(merchant.id, currency)][0] += amount
    remittances = session.scalars(
        select(CodRemittance).where(
            CodRemittance.org_id == org_id,
            CodRemittance.remitted_on >= period.first,
            CodRemittance.remitted_on <= period.last,
        )
    )
    for remittance in remittances:
        sums[(remittance.merchant_id, remittance.currency)][1] += remittance.amount
    rows = [
        MerchantCash(mid, merchants[mid].name, currency, collected, remitted)
        for (mid, currency), (collected, remitted) in sums.items()
        if merchant_id is None or mid == merchant_id
    ]
    return sorted(rows, key=lambda row: (row.merchant_name, row.currency))


def cod_due(
    session: Session, *, org_id: uuid.UUID, merchant_id: uuid.UUID, period: Period
) -> dict[str, Decimal]:
    """Cash collected for the merchant in the period less what was remitted in it, per
    currency: what an invoice for the period may net (then record the netting with
    `record_remittance(..., invoice_id=...)`)."""
    zone = org_zone(session, org_id=org_id)
    rows = merchant_cash(session, org_id=org_id, period=period, zone=zone, merchant_id=merchant_id)
    return {row.currency: round_money(row.due, row.currency) for row in rows}


def record_remittance(
    session: Session,
    *,
    org_id: uuid.UUID,
    merchant_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    remitted_on: date,
    reference: str,
    actor: Actor,
    invoice_id: uuid.UUID | None = None,
) -> CodRemittance:
    merchant = session.get(Merchant, merchant_id)
    if merchant is None or merchant.org_id != org_id:
        raise NotFound(f"no merchant {merchant_id}")
    currency = _known_currency(currency)
    if amount <= 0:
        raise InvalidInput("amount", f"is {amount}: a remittance pays something over")
    if round_money(amount, currency) != amount:
        raise InvalidInput("amount", f"is {amount}: {currency} has no smaller coin than that")
    remittance = CodRemittance(
        org_id=org_id,
        merchant_id=merchant_id,
        amount=amount,
        currency=currency,
        remitted_on=remitted_on,
        reference=reference,
        invoice_id=invoice_id,
        recorded_by=actor.name,
    )
    return audit.audited_add(
        session=session,
        org_id=org_id,
        row=remittance,
        actor=actor,
        action=Action.COD_REMITTANCE,
        subject=lambda row: pay_audit.remittance(row, merchant.name),
        after=pay_audit.remittance_fields,
    )


def record_correction(
    session: Session,
    *,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    day: date,
    amount: Decimal,
    currency: str,
    note: str,
    actor: Actor,
    now: datetime,
) -> list[Alert]:
    """Cash the driver handed over for `day` that was not counted then (found in the bag,
    brought in the next morning): a hand-over dated at the day's last second, at most the
    day's shortfall. The day is checked again, which clears its alert when it balances;
    returns the alerts that changed."""
    driver = get_driver(session=session, org_id=org_id, driver_id=driver_id)
    currency = _known_currency(currency)
    zone = org_zone(session, org_id=org_id)
    days = driver_days(
        session, org_id=org_id, period=Period(day, day), zone=zone, driver_id=driver_id
    )
    short = next((d.short for d in days if d.currency == currency), ZERO)
    if amount <= 0:
        raise InvalidInput("amount", f"is {amount}: a correction adds cash handed over")
    if amount > short:
        owed = round_money(max(short, ZERO), currency)
        raise InvalidInput(
            "amount", f"is {amount} {currency}: {driver.name} was short {owed} {currency} on {day}"
        )
    entry = CashLedgerEntry(
        org_id=org_id,
        driver_id=driver_id,
        kind=LedgerKind.HANDED_OVER,
        amount=amount,
        currency=currency,
        actor=actor.name,
        note=f"correction: {note}",
        at=day_start(day + timedelta(days=1), zone) - timedelta(seconds=1),
    )
    audit.audited_add(
        session=session,
        org_id=org_id,
        row=entry,
        actor=actor,
        action=Action.COD_CORRECTION,
        subject=lambda _: pay_audit.driver(driver),
        after=lambda _: {"day": day, "amount": str(amount), "currency": currency, "note": note},
    )
    return check_day(session, org_id=org_id, day=day, now=now, driver_id=driver_id)


def _known_currency(currency: str) -> str:
    """`currency` as ISO 4217 knows it, or a problem naming the field."""
    try:
        return check_currency(currency)
    except UnknownCurrency as error:
        raise InvalidInput("currency", str(error)) from None


def discrepancy_key(driver_id: uuid.UUID, day: date, currency: str) -> str:
    return f"cod_discrepancy:{driver_id}:{day}:{currency}"


def check_day(
    session: Session,
    *,
    org_id: uuid.UUID,
    day: date,
    now: datetime,
    driver_id: uuid.UUID | None = None,
) -> list[Alert]:
    """Count the day: raise an alert for each driver short of cash, clear it for each whose
    day now balances. Running it again changes nothing; returns the alerts it changed."""
    zone = org_zone(session, org_id=org_id)
    changed: list[Alert] = []
    for row in driver_days(
        session, org_id=org_id, period=Period(day, day), zone=zone, driver_id=driver_id
    ):
        key = discrepancy_key(row.driver_id, row.day, row.currency)
        if row.on_shift:
            continue  # the hand-over comes at the shift's end: nothing to judge yet
        if row.short > 0:
            short = format_money(row.short, row.currency)
            signal = Signal(
                kind=AlertKind.COD_DISCREPANCY,
                key=key,
                raised=True,
                at=now,
                severity=Severity.WARNING,
                title=f"{row.driver_name} is short {short} in cash on {row.day}: collected"
                f" {format_money(row.collected, row.currency)}, handed over"
                f" {format_money(row.handed_over, row.currency)}",
                details={
                    "day": row.day.isoformat(),
                    "driver": row.driver_name,
                    "short": str(round_money(row.short, row.currency)),
                    "currency": row.currency,
                    "collected": str(round_money(row.collected, row.currency)),
                    "handed_over": str(round_money(row.handed_over, row.currency)),
                },
            )
            if _already_told(session, org_id, key, signal.details):
                continue
        else:
            signal = Signal.clear(AlertKind.COD_DISCREPANCY, key, now)
        changed += alerts.apply_signals(
            session, org_id=org_id, signals=[signal], subject=Subject(driver_id=row.driver_id)
        )
    return changed


def _already_told(
    session: Session, org_id: uuid.UUID, key: str, details: Mapping[str, object]
) -> bool:
    """The same shortfall is already on an alert that is not cleared: a repeated count
    leaves it (and the Control Tower) alone."""
    alert = session.scalar(select(Alert).where(Alert.org_id == org_id, Alert.key == key))
    return alert is not None and alert.cleared_at is None and alert.details == dict(details)


def ended_days(
    session: Session, *, now: datetime, lookback: timedelta = timedelta(days=2)
) -> list[tuple[uuid.UUID, date]]:
    """(organisation, day) pairs with cash moved in the last `lookback` whose day is over at
    the organisation's clock: the days the scheduled check counts."""
    rows = session.execute(
        select(CashLedgerEntry.org_id, CashLedgerEntry.at).where(
            CashLedgerEntry.at >= now - lookback - timedelta(days=1)
        )
    ).all()
    zones: dict[uuid.UUID, ZoneInfo] = {}
    found: set[tuple[uuid.UUID, date]] = set()
    for org_id, at in rows:
        if org_id not in zones:
            zones[org_id] = org_zone(session, org_id=org_id)
        zone = zones[org_id]
        day = at.astimezone(zone).date()
        if day_start(day + timedelta(days=1), zone) <= now:
            found.add((org_id, day))
    return sorted(found)
