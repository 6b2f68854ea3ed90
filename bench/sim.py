"""How fast the simulator makes a day: drivers built, fixes generated, requests formed.

No server and no map: drivers follow synthetic 10-stop routes on a grid (the motion model
does the same work on a real route's geometry). Three figures, each on one core:
building the drivers' days (kinematics, incidents, ground truth), generating every phone
upload of the day (GPS model, merged in sending order), and pushing the day through the
runner at infinite speed into an in-process transport that answers 200 at once, which is the
simulator's own ceiling in requests per second (JSON, httpx, asyncio), with no server cost.

Run: `.venv/bin/python bench/sim.py` from the repository root; prints markdown.
"""

import asyncio
import math
import random
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit.routes import grid_route

from lastmile.sim.actions import ShipmentEventActions
from lastmile.sim.clock import SimClock
from lastmile.sim.driver import PlannedRoute, build_driver_day
from lastmile.sim.gps import PhoneProfile, plan_phone_day
from lastmile.sim.incidents import choose_incidents
from lastmile.sim.runner import Runner, SimPhone, messages

COMMAND = ".venv/bin/python bench/sim.py"
DRIVERS = 200
STOPS = 10


def _route(index: int) -> PlannedRoute:
    base = grid_route(stops=STOPS, leg_m=900.0 + 10.0 * (index % 30))
    past = time.time() - 2 * 86_400.0 - base.planned_start_s
    return PlannedRoute(
        route_id=f"route-{index}",
        driver_id=f"driver-{index}",
        device_id=f"phone-{index}",
        hub=base.hub,
        planned_start_s=base.planned_start_s + past,
        planned_end_s=base.planned_end_s + past,
        geometry=base.geometry,
        stops=tuple(
            type(s)(
                s.tracking_number,
                s.lat,
                s.lon,
                s.planned_arrival_s + past,
                s.planned_departure_s + past,
            )
            for s in base.stops
        ),
    )


def main() -> None:
    routes = [_route(i) for i in range(DRIVERS)]
    incidents = choose_incidents([STOPS] * DRIVERS, random.Random(1))
    started = time.perf_counter()
    days = [
        build_driver_day(r, incidents=i, rng=random.Random(n))
        for n, (r, i) in enumerate(zip(routes, incidents, strict=True))
    ]
    build_s = time.perf_counter() - started
    phones = []
    for n, day in enumerate(days):
        profile = PhoneProfile(protocol="osmand" if n % 5 == 4 else "native")
        rng = random.Random(n)
        conditions = plan_phone_day(profile, rng, start_s=day.start_s, end_s=day.end_s)
        phones.append(SimPhone(day, profile, conditions, seed=n))

    started = time.perf_counter()
    fixes = uploads = 0
    for _, _, item, _ in messages(phones):
        if hasattr(item, "fixes"):
            uploads += 1
            fixes += len(item.fixes)
    generate_s = time.perf_counter() - started
    simulated_h = sum(d.end_s - d.start_s for d in days) / 3600.0

    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"accepted": 1, "late": 0, "rejected": {}})

    async def push() -> tuple[float, int]:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(base_url="http://sim.invalid", transport=transport) as client:
            runner = Runner(
                client=client,
                actions=ShipmentEventActions("bench"),
                clock=SimClock(start_s=min(d.start_s for d in days), speed=math.inf),
                concurrency=256,
            )
            began = time.perf_counter()
            stats = await runner.run(phones)
            return time.perf_counter() - began, stats.uploads + stats.actions

    push_s, requests = asyncio.run(push())
    rows = [
        (
            "build the drivers' days (motion, incidents, truth)",
            build_s,
            DRIVERS / build_s,
            "drivers/s",
        ),
        (
            f"generate every upload ({fixes:,} fixes, {uploads:,} uploads)",
            generate_s,
            fixes / generate_s,
            "fixes/s",
        ),
        (
            f"send through the runner to a no-op transport ({requests:,} requests)",
            push_s,
            requests / push_s,
            "requests/s",
        ),
    ]
    print("## Simulator\n")
    print(f"`{COMMAND}`: {DRIVERS} drivers x {STOPS} stops, {simulated_h:,.0f} driver-hours.\n")
    print("| step | time | rate |")
    print("|---|---:|---:|")
    for label, seconds, rate, unit in rows:
        print(f"| {label} | {seconds:.2f} s | {rate:,.0f} {unit} |")
    print(
        "\nThe load test's 2,000 drivers at one fix per 5 s need 400 fixes/s; generation alone"
        f" runs at {fixes / generate_s / 400:,.0f}x that on one core."
    )


if __name__ == "__main__":
    main()
