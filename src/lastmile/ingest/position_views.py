"""HTTP routes: where the drivers are now, from their latest stored fixes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep
from lastmile.db import utcnow
from lastmile.dispatch.scope import get_scoped_driver
from lastmile.errors import NotFound
from lastmile.fleet.schemas import PositionOut
from lastmile.hubs.access import HubScopeDep
from lastmile.ingest import positions

router = APIRouter(tags=["fleet"], responses=COMMON_PROBLEMS)


@router.get("/api/v1/drivers/{driver_id}/position")
def driver_position(
    driver_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, scope: HubScopeDep
) -> PositionOut:
    get_scoped_driver(session=session, org_id=principal.org_id, driver_id=driver_id, scope=scope)
    found = positions.latest(session=session, org_id=principal.org_id, driver_ids=[driver_id])
    if not found:
        raise NotFound(f"driver {driver_id} has sent no position yet")
    return positions.to_out(found[0], now=utcnow())


@router.get("/api/v1/fleet/positions")
def fleet_positions(
    session: SessionDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
    on_shift: Annotated[bool, Query(description="Only drivers now on shift")] = False,
) -> list[PositionOut]:
    """Each driver's latest position (a dispatcher limited to some hubs: their drivers')."""
    found = positions.latest(
        session=session, org_id=principal.org_id, on_shift=on_shift, scope=scope
    )
    now = utcnow()
    return [positions.to_out(p, now=now) for p in found]
