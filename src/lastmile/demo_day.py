"""The demo's one simulated day, kept across runs: resumed while it runs, else replaced.

`lastmile demo` notes the day it set up in `<data_dir>/demo_day.json` (its routes, its
timeline, the fleet's size). The next run resumes that day when it is today's, still running
and of the same fleet; otherwise it removes it (routes, stops and shipments of the simulator's
hub; open shifts end) and a new day is set up, so nothing of the old one stays "in progress".
"""

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import Plan, Route, RouteStatus
from lastmile.fleet.models import Shift
from lastmile.hubs.models import Hub
from lastmile.shipments.models import Shipment

log = logging.getLogger(__name__)

DAY_FILE = "demo_day.json"
MIN_LEFT_S = 300.0
"""A day with less simulated time than this left is over: a new one starts."""


@dataclass(frozen=True, slots=True)
class DemoDay:
    """A simulated day the demo set up, and how its clock ran."""

    org_id: str
    date: date
    timezone: str
    route_ids: list[str]
    start_s: float
    """When the hub opened (the day's first planned departures follow)."""
    end_s: float
    """When the last van is back and unloaded."""
    anchor_real_s: float
    anchor_sim_s: float
    """At real time `anchor_real_s` the day's clock showed `anchor_sim_s` (once caught up)."""
    speed: float
    drivers: int
    stops_per_driver: int
    seed: int

    def sim_now_s(self, now_s: float) -> float:
        """Where the day's clock would be at real `now_s` had it kept running."""
        return min(now_s, self.anchor_sim_s + self.speed * (now_s - self.anchor_real_s))


def read_day(data_dir: Path) -> DemoDay | None:
    path = data_dir / DAY_FILE
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
        return DemoDay(**{**saved, "date": date.fromisoformat(saved["date"])})
    except (ValueError, TypeError, KeyError) as error:
        log.warning("ignoring %s, unreadable: %s", path, error)
        return None


def write_day(data_dir: Path, day: DemoDay) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    saved = asdict(day) | {"date": day.date.isoformat()}
    (data_dir / DAY_FILE).write_text(json.dumps(saved, indent=1) + "\n")


def resumable(
    *,
    session: Session,
    org_id: uuid.UUID,
    saved: DemoDay | None,
    fleet: tuple[int, int, int, float],
    now_s: float,
) -> DemoDay | None:
    """The saved day when it can go on: this organisation's, today's, the same fleet (drivers,
    stops each, seed, speed), time left and a route not yet completed."""
    if saved is None or saved.org_id != str(org_id):
        return None
    if (saved.drivers, saved.stops_per_driver, saved.seed, saved.speed) != fleet:
        return None
    today = datetime.fromtimestamp(now_s, ZoneInfo(saved.timezone)).date()
    if saved.date != today or saved.end_s - saved.sim_now_s(now_s) < MIN_LEFT_S:
        return None
    ids = [uuid.UUID(r) for r in saved.route_ids]
    statuses = list(
        session.scalars(select(Route.status).where(Route.org_id == org_id, Route.id.in_(ids)))
    )
    if len(statuses) != len(ids) or all(s is RouteStatus.COMPLETED for s in statuses):
        return None
    return saved


def clear_day(*, session: Session, org_id: uuid.UUID, hub_code: str) -> int:
    """Remove the simulator hub's routes, plans and shipments and end the organisation's open
    shifts; returns how many routes went. The caller commits."""
    hub_id = session.scalar(select(Hub.id).where(Hub.org_id == org_id, Hub.code == hub_code))
    session.execute(
        update(Shift)
        .where(Shift.org_id == org_id, Shift.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if hub_id is None:
        return 0
    routes = len(list(session.scalars(select(Route.id).where(Route.hub_id == hub_id))))
    for model in (Shipment, Route, Plan):
        session.execute(
            delete(model)
            .where(model.org_id == org_id, model.hub_id == hub_id)
            .execution_options(synchronize_session=False)
        )
    return routes


def open_day(
    *,
    session: Session,
    org_id: uuid.UUID,
    data_dir: Path,
    fleet: tuple[int, int, int, float],
    hub_code: str,
    now_s: float,
) -> tuple[DemoDay | None, int]:
    """The saved day to resume; else None and how many routes of the old day were removed."""
    saved = resumable(
        session=session, org_id=org_id, saved=read_day(data_dir), fleet=fleet, now_s=now_s
    )
    if saved is not None:
        return saved, 0
    (data_dir / DAY_FILE).unlink(missing_ok=True)
    return None, clear_day(session=session, org_id=org_id, hub_code=hub_code)
