"""HTTP routes for hubs."""

import uuid

from fastapi import APIRouter, Response, status

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth import audit_subjects as user_subjects
from lastmile.auth import service as auth
from lastmile.auth.deps import AdminDep, PrincipalDep, StaffDep
from lastmile.hubs import audit_subjects as hub_subjects
from lastmile.hubs import service
from lastmile.hubs.access import HubScopeDep, set_user_hubs, user_hubs
from lastmile.hubs.schemas import HubCreate, HubOut, HubUpdate, UserHubs

router = APIRouter(prefix="/api/v1/hubs", tags=["hubs"], responses=COMMON_PROBLEMS)
users_router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=COMMON_PROBLEMS)


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
def list_hubs(session: SessionDep, principal: PrincipalDep, scope: HubScopeDep) -> list[HubOut]:
    """The organisation's hubs; a dispatcher limited to some sees only those."""
    hubs = service.list_hubs(session=session, org_id=principal.org_id, scope=scope)
    return [HubOut.model_validate(h) for h in hubs]


@router.get("/{hub_id}")
def get_hub(
    hub_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, scope: HubScopeDep
) -> HubOut:
    return HubOut.model_validate(
        service.get_hub(session=session, org_id=principal.org_id, hub_id=hub_id, scope=scope)
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


@users_router.get("/{user_id}/hubs")
def get_user_hubs(user_id: uuid.UUID, session: SessionDep, principal: AdminDep) -> UserHubs:
    """The hubs a user is limited to; empty: every hub."""
    user = auth.get_user(session=session, org_id=principal.org_id, user_id=user_id)
    return UserHubs(hub_ids=user_hubs(session=session, user_id=user.id))


@users_router.put("/{user_id}/hubs")
def put_user_hubs(
    user_id: uuid.UUID, body: UserHubs, session: SessionDep, principal: AdminDep
) -> UserHubs:
    """Limit a dispatcher to these hubs (empty: every hub). A limited dispatcher sees only
    their hubs on the board, in the orders and alerts; another hub's shipment answers 404.
    Admins see every hub whatever is set here."""
    user = auth.get_user(session=session, org_id=principal.org_id, user_id=user_id)
    before = user_hubs(session=session, user_id=user.id)
    after = set_user_hubs(
        session=session, org_id=principal.org_id, user_id=user.id, hub_ids=body.hub_ids
    )
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.USER_UPDATE,
        subject=user_subjects.user(user),
        before={"hub_ids": [str(h) for h in before]},
        after={"hub_ids": [str(h) for h in after]},
    )
    session.commit()
    return UserHubs(hub_ids=after)
