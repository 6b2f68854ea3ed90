"""HTTP routes: the latest ETAs of a route's remaining stops."""

import uuid

from fastapi import APIRouter

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep
from lastmile.eta import service
from lastmile.eta.schemas import RouteEtasOut

router = APIRouter(tags=["eta"], responses=COMMON_PROBLEMS)


@router.get("/api/v1/routes/{route_id}/etas")
def route_etas(route_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> RouteEtasOut:
    """Each remaining stop with its latest ETA and window (null until one is computed)."""
    return service.route_etas(session, org_id=principal.org_id, route_id=route_id)
