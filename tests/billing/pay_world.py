"""A small delivery world for pay and cash tests, built straight in the database: a hub in
Helsinki, drivers, a route per day with delivered and failed stops, shifts and cash."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session
from tests.common import OrgHandle

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.billing.models import Merchant
from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet.models import Driver, Shift, Vehicle
from lastmile.hubs.models import Hub
from lastmile.payments.models import CashLedgerEntry, CodPayment, LedgerKind, PaymentMethod
from lastmile.shipments.models import Shipment

DAY = date(2026, 12, 7)
"""A Monday; Helsinki is UTC+2 in December."""


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of `day` at the Helsinki hub's clock, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


@dataclass
class World:
    session: Session
    org_id: uuid.UUID
    hub: Hub
    vehicle: Vehicle
    merchant: Merchant

    def driver(self, name: str = "Mikko Lahtinen") -> Driver:
        driver = Driver(org_id=self.org_id, name=name)
        self.session.add(driver)
        self.session.flush()
        return driver

    def route(
        self,
        driver: Driver,
        day: date = DAY,
        *,
        delivered: int = 0,
        failed: int = 0,
        late: int = 0,
        distance_m: float = 42_000.0,
        cod: Decimal | None = None,
    ) -> tuple[Route, list[RouteStop]]:
        """A started route: `delivered` stops on time, `late` delivered after their window,
        `failed` attempted; each shipment with `cod` to pay, when given."""
        route = Route(
            org_id=self.org_id,
            hub_id=self.hub.id,
            date=day,
            driver_id=driver.id,
            vehicle_id=self.vehicle.id,
            status=RouteStatus.COMPLETED,
            day_start=at(day, 0),
            planned_start=at(day, 8),
            planned_end=at(day, 16),
            distance_m=distance_m,
            duration_s=8 * 3600.0,
            started_at=at(day, 8),
        )
        self.session.add(route)
        self.session.flush()
        outcomes = (
            [StopStatus.COMPLETED] * delivered
            + [StopStatus.COMPLETED] * late
            + [StopStatus.FAILED] * failed
        )
        stops = []
        for n, status in enumerate(outcomes):
            finished = at(day, 9, 10 * n % 60) + timedelta(hours=n // 6)
            is_late = delivered <= n < delivered + late
            shipment = Shipment(
                org_id=self.org_id,
                tracking_number=f"LM{secrets.token_hex(5).upper()}",
                tracking_token=secrets.token_urlsafe(24),
                recipient_name=f"Recipient {n}",
                address_text=f"Mannerheimintie {n + 1}, Helsinki",
                delivery_date=day,
                window_end=finished - timedelta(minutes=5) if is_late else at(day, 18),
                hub_id=self.hub.id,
                cod_amount=cod,
                cod_currency="EUR" if cod is not None else None,
            )
            self.session.add(shipment)
            self.session.flush()
            stop = RouteStop(
                org_id=self.org_id,
                route_id=route.id,
                shipment_id=shipment.id,
                sequence=n,
                planned_arrival=finished,
                planned_departure=finished,
                status=status,
                arrived_at=finished,
                finished_at=finished,
            )
            self.session.add(stop)
            stops.append(stop)
        self.session.flush()
        return route, stops

    def shift(self, driver: Driver, start: datetime, hours: float) -> Shift:
        shift = Shift(
            org_id=self.org_id,
            driver_id=driver.id,
            started_at=start,
            ended_at=start + timedelta(hours=hours),
        )
        self.session.add(shift)
        self.session.flush()
        return shift

    def collect(self, driver: Driver, stop: RouteStop, amount: Decimal, when: datetime) -> None:
        """Cash paid at the door for `stop` (its shipment's COD)."""
        payment = CodPayment(
            org_id=self.org_id,
            stop_id=stop.id,
            shipment_id=stop.shipment_id,
            driver_id=driver.id,
            amount=amount,
            currency="EUR",
            method=PaymentMethod.CASH,
            at=when,
        )
        self.session.add(payment)
        self.session.flush()
        self._ledger(driver, LedgerKind.COLLECTED, amount, when, payment.id)

    def hand_over(self, driver: Driver, amount: Decimal, when: datetime) -> None:
        self._ledger(driver, LedgerKind.HANDED_OVER, amount, when, None)

    def _ledger(
        self,
        driver: Driver,
        kind: LedgerKind,
        amount: Decimal,
        when: datetime,
        payment_id: uuid.UUID | None,
    ) -> None:
        self.session.add(
            CashLedgerEntry(
                org_id=self.org_id,
                driver_id=driver.id,
                kind=kind,
                amount=amount,
                currency="EUR",
                payment_id=payment_id,
                actor="user:dana@example.com",
                at=when,
            )
        )
        self.session.flush()


def make_world(session: Session, org_id: uuid.UUID) -> World:
    hub = Hub(
        org_id=org_id,
        code="HEL",
        name="Helsinki hub",
        lat=60.17,
        lon=24.94,
        timezone="Europe/Helsinki",
    )
    vehicle = Vehicle(org_id=org_id, plate="ABC-123")
    merchant = Merchant(
        org_id=org_id, code="default", name="Kauppa Oy", currency="EUR", is_default=True
    )
    session.add_all([hub, vehicle, merchant])
    session.flush()
    return World(session, org_id, hub, vehicle, merchant)


def dispatcher_headers(db: Database, org: OrgHandle) -> dict[str, str]:
    """An API key of `org` with the dispatcher's role."""
    with db.session() as session:
        _, key = auth.create_api_key(
            session=session, org_id=org.org_id, name="desk", role=Role.DISPATCHER
        )
        session.commit()
    return {"Authorization": f"Bearer {key}"}
