"""Pay statements: a driver's or a carrier's work in a period, priced by the pay plan in
force each day, one line per thing paid for (a stop, a route's distance, a shift).

Work is read from the same delivery truth the rest of Lastmile reads: route stops (delivered
or failed, on the route's day at the hub), the routes' planned road distance (routes that
were completed only, a route still under way is noted and paid when it ends: the planned
hub → stops → hub distance, since a phone's GPS trail
over- or under-counts and odometers are rarely entered) and the shift record (ended shifts,
on the day they started). Every amount is rounded once, as a line (`money.round_money`);
the total is the sum of the lines.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.billing.jobs import org_zone
from lastmile.billing.money import round_money
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet.models import Driver, Shift
from lastmile.fleet.service import get_driver
from lastmile.settlement.pay_models import DriverEmployment, PayPlan
from lastmile.settlement.pay_period import Period
from lastmile.settlement.pay_plans import Payee, employment_of, get_carrier, valid_on, versions
from lastmile.settlement.pay_rules import PayRules
from lastmile.shipments.models import Shipment

_HOURS_QUANTUM = Decimal("0.01")
_KM_QUANTUM = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class StopWork:
    stop_id: uuid.UUID
    driver_id: uuid.UUID
    day: date
    tracking_number: str
    delivered: bool
    on_time: bool | None
    """Delivered by the window's end; None when it had no window or was not delivered."""


@dataclass(frozen=True, slots=True)
class RouteWork:
    route_id: uuid.UUID
    driver_id: uuid.UUID
    day: date
    distance_m: float
    completed: bool = True
    """False while the route is under way: its distance is paid once it ends."""


@dataclass(frozen=True, slots=True)
class ShiftWork:
    shift_id: uuid.UUID
    driver_id: uuid.UUID
    day: date
    started_at: datetime
    ended_at: datetime


@dataclass(slots=True)
class Work:
    """What some drivers did in a period."""

    stops: list[StopWork] = field(default_factory=list)
    routes: list[RouteWork] = field(default_factory=list)
    shifts: list[ShiftWork] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PayLine:
    day: date
    kind: str
    """`stop`, `failed_attempt`, `distance`, `shift` or `on_time_bonus`."""
    description: str
    reference: str
    """What the line pays for: a stop's, route's or shift's id; the plan's for a bonus."""
    driver_id: uuid.UUID | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    plan_version: int


@dataclass(slots=True)
class Statement:
    payee: Payee
    payee_name: str
    period: Period
    currency: str | None
    lines: list[PayLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def _line(
    *,
    plan: PayPlan,
    day: date,
    kind: str,
    description: str,
    reference: object,
    driver_id: uuid.UUID | None,
    quantity: Decimal,
    unit_price: Decimal,
) -> PayLine:
    return PayLine(
        day=day,
        kind=kind,
        description=description,
        reference=str(reference),
        driver_id=driver_id,
        quantity=quantity,
        unit_price=unit_price,
        amount=round_money(quantity * unit_price, plan.currency),
        plan_version=plan.version,
    )


def on_time_pct(stops: Iterable[StopWork]) -> Decimal | None:
    """Delivered on time among delivered stops with a window, in %, or None without any.

    >>> d, no = date(2026, 12, 7), uuid.UUID(int=0)
    >>> late, early = StopWork(no, no, d, "A", True, False), StopWork(no, no, d, "B", True, True)
    >>> on_time_pct([late, early])
    Decimal('50')
    """
    timed = [stop.on_time for stop in stops if stop.delivered and stop.on_time is not None]
    if not timed:
        return None
    return Decimal(100) * sum(timed) / len(timed)


def price_work(
    work: Work, plans: list[PayPlan], names: dict[uuid.UUID, str]
) -> tuple[list[PayLine], list[str]]:
    """Lines for the work, each priced by the plan version valid on its day, and notes for
    work no version covers. Pure: the caller reads the work and the plans."""
    lines: list[PayLine] = []
    unpriced: set[date] = set()
    delivered_by_plan: dict[int, int] = defaultdict(int)
    rules_of = {plan.version: PayRules.model_validate(plan.rules) for plan in plans}

    def plan_for(day: date) -> tuple[PayPlan, PayRules] | None:
        plan = valid_on(plans, day)
        if plan is None:
            unpriced.add(day)
            return None
        return plan, rules_of[plan.version]

    for stop in sorted(work.stops, key=lambda s: (s.day, s.tracking_number)):
        if (found := plan_for(stop.day)) is None:
            continue
        plan, rules = found
        if stop.delivered:
            delivered_by_plan[plan.version] += 1
            kind, verb, price = "stop", "Delivered", rules.per_stop
        else:
            kind, verb, price = "failed_attempt", "Attempted", rules.per_failed_attempt
        if not price:
            continue
        lines.append(
            _line(
                plan=plan,
                day=stop.day,
                kind=kind,
                description=f"{verb} {stop.tracking_number} ({names.get(stop.driver_id, '')})",
                reference=stop.stop_id,
                driver_id=stop.driver_id,
                quantity=Decimal(1),
                unit_price=price,
            )
        )
    under_way: list[str] = []
    for route in sorted(work.routes, key=lambda r: (r.day, str(r.route_id))):
        if (found := plan_for(route.day)) is None or not found[1].per_km:
            continue
        if not route.completed:
            under_way.append(f"{names.get(route.driver_id, '')}'s route of {route.day}")
            continue
        plan, rules = found
        km = (Decimal(str(route.distance_m)) / 1000).quantize(_KM_QUANTUM)
        lines.append(
            _line(
                plan=plan,
                day=route.day,
                kind="distance",
                description=f"Route of {route.day}: {km} km planned"
                f" ({names.get(route.driver_id, '')})",
                reference=route.route_id,
                driver_id=route.driver_id,
                quantity=km,
                unit_price=rules.per_km,
            )
        )
    for shift in sorted(work.shifts, key=lambda s: s.started_at):
        if (found := plan_for(shift.day)) is None or not found[1].per_hour:
            continue
        plan, rules = found
        seconds = Decimal(str((shift.ended_at - shift.started_at).total_seconds()))
        hours = (seconds / 3600).quantize(_HOURS_QUANTUM)
        lines.append(
            _line(
                plan=plan,
                day=shift.day,
                kind="shift",
                description=f"Shift of {shift.day}: {hours} h ({names.get(shift.driver_id, '')})",
                reference=shift.shift_id,
                driver_id=shift.driver_id,
                quantity=hours,
                unit_price=rules.per_hour,
            )
        )
    lines.extend(_bonuses(work.stops, plans, rules_of, delivered_by_plan))
    notes = [f"No pay plan covers {day}: its work is not paid here." for day in sorted(unpriced)]
    notes += [
        f"{route} is still under way: its distance is paid when it ends." for route in under_way
    ]
    return lines, notes


def _bonuses(
    stops: list[StopWork],
    plans: list[PayPlan],
    rules_of: dict[int, PayRules],
    delivered_by_plan: dict[int, int],
) -> list[PayLine]:
    """The on-time bonus: the rate is the whole period's; each version pays its own stops."""
    rate = on_time_pct(stops)
    bonuses = []
    for plan in plans:
        rules = rules_of[plan.version]
        count = delivered_by_plan.get(plan.version, 0)
        if rate is None or not count or not rules.on_time_bonus_per_stop:
            continue
        if rate < rules.on_time_threshold_pct:
            continue
        shown = rate.quantize(Decimal("0.1"))
        bonuses.append(
            _line(
                plan=plan,
                day=max(stop.day for stop in stops),
                kind="on_time_bonus",
                description=(
                    f"On-time bonus: {shown} % on time ≥ {rules.on_time_threshold_pct} %,"
                    f" {count} stops"
                ),
                reference=plan.id,
                driver_id=None,
                quantity=Decimal(count),
                unit_price=rules.on_time_bonus_per_stop,
            )
        )
    return bonuses


def read_work(
    session: Session,
    *,
    org_id: uuid.UUID,
    driver_ids: list[uuid.UUID],
    period: Period,
    zone: ZoneInfo,
) -> Work:
    """The drivers' stops, started routes and ended shifts in the period."""
    work = Work()
    if not driver_ids:
        return work
    stops = session.execute(
        select(
            RouteStop, Route.driver_id, Route.date, Shipment.tracking_number, Shipment.window_end
        )
        .join(Route, Route.id == RouteStop.route_id)
        .join(Shipment, Shipment.id == RouteStop.shipment_id)
        .where(
            Route.org_id == org_id,
            Route.driver_id.in_(driver_ids),
            Route.date >= period.first,
            Route.date <= period.last,
            RouteStop.status.in_([StopStatus.COMPLETED, StopStatus.FAILED]),
        )
    ).all()
    for stop, driver_id, day, tracking_number, window_end in stops:
        delivered = stop.status is StopStatus.COMPLETED
        on_time = None
        if delivered and window_end is not None and stop.finished_at is not None:
            on_time = stop.finished_at <= window_end
        work.stops.append(StopWork(stop.id, driver_id, day, tracking_number, delivered, on_time))
    routes = session.execute(
        select(
            Route.id,
            Route.driver_id,
            Route.date,
            Route.distance_m,
            Route.status == RouteStatus.COMPLETED,
        ).where(
            Route.org_id == org_id,
            Route.driver_id.in_(driver_ids),
            Route.date >= period.first,
            Route.date <= period.last,
            Route.status.in_([RouteStatus.IN_PROGRESS, RouteStatus.COMPLETED]),
        )
    ).all()
    work.routes = [RouteWork(*row) for row in routes]
    start, end = period.bounds(zone)
    shifts = session.scalars(
        select(Shift).where(
            Shift.org_id == org_id,
            Shift.driver_id.in_(driver_ids),
            Shift.started_at >= start,
            Shift.started_at < end,
            Shift.ended_at.is_not(None),
        )
    )
    for shift in shifts:
        assert shift.ended_at is not None
        day = shift.started_at.astimezone(zone).date()
        work.shifts.append(
            ShiftWork(shift.id, shift.driver_id, day, shift.started_at, shift.ended_at)
        )
    return work


def statement(session: Session, *, org_id: uuid.UUID, payee: Payee, period: Period) -> Statement:
    """A driver's statement (their own plan, else their carrier's) or a carrier's (its plan,
    for the work of every driver who works for it)."""
    zone = org_zone(session, org_id=org_id)
    if payee.driver_id is not None:
        driver = get_driver(session=session, org_id=org_id, driver_id=payee.driver_id)
        drivers = [driver]
        plans = versions(session, org_id=org_id, payee=payee)
        employment = employment_of(session, driver_id=driver.id)
        if not plans and employment is not None and employment.carrier_id is not None:
            plans = versions(session, org_id=org_id, payee=Payee(carrier_id=employment.carrier_id))
        name = driver.name
    else:
        assert payee.carrier_id is not None
        carrier = get_carrier(session, org_id=org_id, carrier_id=payee.carrier_id)
        drivers = list(
            session.scalars(
                select(Driver)
                .join(DriverEmployment, DriverEmployment.driver_id == Driver.id)
                .where(Driver.org_id == org_id, DriverEmployment.carrier_id == payee.carrier_id)
            )
        )
        plans = versions(session, org_id=org_id, payee=payee)
        name = carrier.name
    work = read_work(
        session, org_id=org_id, driver_ids=[d.id for d in drivers], period=period, zone=zone
    )
    lines, notes = price_work(work, plans, {d.id: d.name for d in drivers})
    if not plans:
        notes = ["No pay plan yet: add one to price this work."]
    return Statement(
        payee=payee,
        payee_name=name,
        period=period,
        currency=plans[0].currency if plans else None,
        lines=lines,
        notes=notes,
    )


def driver_statements(session: Session, *, org_id: uuid.UUID, period: Period) -> list[Statement]:
    """Every active driver's statement for the period, by name."""
    drivers = session.scalars(
        select(Driver).where(Driver.org_id == org_id, Driver.active).order_by(Driver.name)
    )
    return [
        statement(session, org_id=org_id, payee=Payee(driver_id=driver.id), period=period)
        for driver in drivers
    ]
