"""Cash on delivery in the simulated day: the recipients who pay at the door, the drivers
collecting it in the driver app, and the hub counting it at the end of each shift."""

import asyncio
import math
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from testkit.servers import Server

from lastmile.sim.actions import DriverAppActions
from lastmile.sim.cash import CashHabits, cod_amount
from lastmile.sim.day_run import drive, prepare
from lastmile.sim.gps import PhoneProfile
from lastmile.sim.world import Scenario


def test_about_one_shipment_in_seven_is_paid_at_the_door_the_same_ones_for_the_same_seed() -> None:
    amounts = [cod_amount(seed=1, index=k) for k in range(2000)]
    paid = [a for a in amounts if a is not None]

    assert 0.12 < len(paid) / len(amounts) < 0.18
    assert all(Decimal("11") < a < Decimal("190") and a % 1 == Decimal("0.90") for a in paid)
    assert amounts == [cod_amount(seed=1, index=k) for k in range(2000)]
    assert amounts != [cod_amount(seed=2, index=k) for k in range(2000)]


def test_on_about_one_day_in_three_one_driver_hands_over_twenty_less_than_collected() -> None:
    habits = CashHabits(seed=1)
    drivers = ["d-1", "d-2", "d-3"]
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(300)]

    short = [habits.short_driver(day, drivers) for day in days]

    assert 0.22 < sum(s is not None for s in short) / len(days) < 0.38
    assert {s for s in short if s is not None} == set(drivers)
    assert short == [habits.short_driver(day, reversed(drivers)) for day in days]
    day = next(d for d, s in zip(days, short, strict=True) if s == "d-1")
    counted = {
        d: habits.handed_over(collected=Decimal("99.70"), driver_id=d, day=day, driver_ids=drivers)
        for d in drivers
    }
    assert counted == {"d-1": Decimal("79.70"), "d-2": Decimal("99.70"), "d-3": Decimal("99.70")}
    assert habits.handed_over(
        collected=Decimal("19.90"), driver_id="d-1", day=day, driver_ids=drivers
    ) == Decimal("19.90")


def test_drivers_collect_at_the_door_the_hub_counts_each_shift_and_flags_the_one_short(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    running, key = server
    scenario = Scenario(drivers=2, stops_per_driver=4, seed=3, shift_s=3 * 3600.0, cod_share=1.0)
    day, fleet = prepare(
        url=running.url,
        api_key=key,
        scenario=scenario,
        speed=math.inf,
        data_dir=tmp_path,
        map_name=None,
        profile=PhoneProfile(upload_every_s=600.0),
    )
    habits = CashHabits(seed=3, short_day_share=1.0)
    actions = DriverAppActions(api_key=key, crew=day.crew, timezone=day.timezone, cash=habits)

    stats = asyncio.run(
        drive(fleet, url=running.url, api_key=key, speed=math.inf, actions=actions, quiet=True)
    )

    assert (stats.refused, stats.failed, stats.errors) == (0, 0, [])
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=headers, timeout=30) as api:
        delivered = api.get(
            "/api/v1/shipments",
            params={"status": "delivered", "date": day.date.isoformat(), "limit": 500},
        ).json()["items"]
        report = api.get(
            "/api/v1/billing/cod/reconciliation", params={"date": day.date.isoformat()}
        ).json()
        alerts = api.get("/api/v1/alerts", params={"kind": "cod_discrepancy"}).json()

    paid = sum(Decimal(s["cod"]["amount"]) for s in delivered)
    assert paid > 0
    assert sum(c.collected for c in actions.cash.values()) == paid
    rows = {row["driver_id"]: row for row in report["drivers"]}
    assert set(rows) == set(actions.cash) == {r.driver_id for r in day.routes}
    for driver_id, count in actions.cash.items():
        assert Decimal(rows[driver_id]["collected"]) == count.collected
        assert Decimal(rows[driver_id]["handed_over"]) == count.handed_over
    short = habits.short_driver(day.date, day.crew)
    assert {d for d, row in rows.items() if Decimal(row["short"]) > 0} == {short}
    assert Decimal(rows[short]["short"]) == Decimal("20.00")
    assert [a["details"]["short"] for a in alerts] == ["20.00"]
    assert alerts[0]["driver_id"] == short
