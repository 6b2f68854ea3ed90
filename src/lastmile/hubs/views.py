"""HTTP routes for hubs."""

import uuid

from fastapi import APIRouter, Response, status

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import AdminDep, PrincipalDep, StaffDep
from lastmile.hubs import service
from lastmile.hubs.schemas import HubCreate, HubOut, HubUpdate

router = APIRouter(prefix="/api/v1/hubs", tags=["hubs"], responses=COMMON_PROBLEMS)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_hub(body: HubCreate, session: SessionDep, principal: StaffDep) -> HubOut:
    hub = service.create_hub(session=session, org_id=principal.org_id, **body.model_dump())
    session.commit()
    return HubOut.model_validate(hub)


@router.get("")
def list_hubs(session: SessionDep, principal: PrincipalDep) -> list[HubOut]:
    return [
        HubOut.model_validate(h)
        for h in service.list_hubs(session=session, org_id=principal.org_id)
    ]


@router.get("/{hub_id}")
def get_hub(hub_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> HubOut:
    return HubOut.model_validate(
        service.get_hub(session=session, org_id=principal.org_id, hub_id=hub_id)
    )


@router.patch("/{hub_id}")
def update_hub(
    hub_id: uuid.UUID, body: HubUpdate, session: SessionDep, principal: StaffDep
) -> HubOut:
    hub = service.update_hub(
        session=session,
        org_id=principal.org_id,
        hub_id=hub_id,
        **body.model_dump(exclude_unset=True),
    )
    session.commit()
    return HubOut.model_validate(hub)


@router.delete("/{hub_id}", status_code=204)
def delete_hub(hub_id: uuid.UUID, session: SessionDep, principal: AdminDep) -> Response:
    service.delete_hub(session=session, org_id=principal.org_id, hub_id=hub_id)
    session.commit()
    return Response(status_code=204)
