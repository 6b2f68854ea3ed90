"""A small simulated day on a real server (the `server` fixture, tests/sim/conftest.py): two
drivers of four stops, one phone native and one on OsmAnd, uploading every 2 minutes."""

import math
from pathlib import Path

from lastmile.sim.day_run import prepare
from lastmile.sim.fleet import Fleet
from lastmile.sim.gps import PhoneProfile
from lastmile.sim.world import Day, Scenario


def small_day(url: str, key: str, data_dir: Path) -> tuple[Day, Fleet]:
    scenario = Scenario(
        drivers=2, stops_per_driver=4, seed=3, shift_s=3 * 3600.0, osmand_share=0.5, plan_seconds=1
    )
    return prepare(
        url=url,
        api_key=key,
        scenario=scenario,
        speed=math.inf,
        data_dir=data_dir,
        map_name=None,
        profile=PhoneProfile(upload_every_s=120.0),
    )
