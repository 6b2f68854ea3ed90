"""The demo's drivers get a pay plan once, through the API, whatever the number of runs."""

from datetime import date

import httpx
from testkit.browser import LiveServer
from tests.common import make_org

from lastmile.demo_pay import DEMO_PAY_RULES, give_pay_plans


def test_each_demo_driver_gets_one_pay_plan_however_often_the_demo_runs(
    live_server: LiveServer,
) -> None:
    org = make_org(live_server.db, "Lastmile Demo")
    with httpx.Client(base_url=live_server.url, headers=org.headers) as api:
        ids = [
            api.post("/api/v1/drivers", json={"name": name, "device_ids": []}).json()["id"]
            for name in ("Aino Virtanen", "Eero Korhonen")
        ]
        first = give_pay_plans(
            url=live_server.url, api_key=org.api_key, driver_ids=ids, valid_from=date(2026, 12, 1)
        )
        again = give_pay_plans(
            url=live_server.url, api_key=org.api_key, driver_ids=ids, valid_from=date(2026, 12, 1)
        )
        assert (first, again) == (2, 0)
        for driver_id in ids:
            (plan,) = api.get("/api/v1/billing/pay-plans", params={"driver": driver_id}).json()
            assert plan["valid_from"] == "2026-12-01"
            assert plan["rules"]["per_stop"] == DEMO_PAY_RULES["per_stop"]
