"""HTTP routes for hubs."""

import uuid

from fastapi import APIRouter, Response, status

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import AdminDep, PrincipalDep, StaffDep
from lastmile.hubs import audit_subjects as hub_subjects
from lastmile.hubs import service
from lastmile.hubs.schemas import HubCreate, HubOut, HubUpdate

router = APIRouter(prefix="/api/v1/hubs", tags=["hubs"], responses=COMMON_PROBLEMS)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_hub(body: HubCreate, session: SessionDep, principal: StaffDep) -> HubOut:
    hub = service.create_hub(session=session, org_id=principal.org_id, **body.model_dump())
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.HUB_CREATE,
        subject=hub_subjects.hub(hub),
        after=hub_subjects.hub_fields(hub),
    )
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
    before = hub_subjects.hub_fields(
        service.get_hub(session=session, org_id=principal.org_id, hub_id=hub_id)
    )
    hub = service.update_hub(
        session=session,
        org_id=principal.org_id,
        hub_id=hub_id,
        **body.model_dump(exclude_unset=True),
    )
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.HUB_UPDATE,
        subject=hub_subjects.hub(hub),
        before=before,
        after=hub_subjects.hub_fields(hub),
    )
    session.commit()
    return HubOut.model_validate(hub)


@router.delete("/{hub_id}", status_code=204)
def delete_hub(hub_id: uuid.UUID, session: SessionDep, principal: AdminDep) -> Response:
    hub = service.get_hub(session=session, org_id=principal.org_id, hub_id=hub_id)
    subject, before = hub_subjects.hub(hub), hub_subjects.hub_fields(hub)
    service.delete_hub(session=session, org_id=principal.org_id, hub_id=hub_id)
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.HUB_DELETE,
        subject=subject,
        before=before,
    )
    session.commit()
    return Response(status_code=204)
