"""Which hubs a caller may see: a dispatcher may be limited to some (`user_hubs`); admins and
API keys see every hub (`hubs.scope` filters the services' queries by it)."""

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep
from lastmile.auth.deps import PrincipalDep
from lastmile.auth.models import Role, User
from lastmile.errors import InvalidInput, NotFound
from lastmile.hubs.models import Hub, UserHub
from lastmile.hubs.scope import EVERY_HUB, HubScope


def user_hubs(*, session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The hubs a user is limited to, in hub code order; empty: not limited."""
    return list(
        session.scalars(
            select(UserHub.hub_id)
            .join(Hub, Hub.id == UserHub.hub_id)
            .where(UserHub.user_id == user_id)
            .order_by(Hub.code)
        )
    )


def scope_of(*, session: Session, role: Role, user_id: uuid.UUID | None) -> HubScope:
    """A dispatcher with hubs sees those; everyone else (admins, API keys) every hub."""
    if role is not Role.DISPATCHER or user_id is None:
        return EVERY_HUB
    hubs = user_hubs(session=session, user_id=user_id)
    return HubScope(frozenset(hubs)) if hubs else EVERY_HUB


def set_user_hubs(
    *, session: Session, org_id: uuid.UUID, user_id: uuid.UUID, hub_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Limit a user to `hub_ids` (none: every hub); the caller commits."""
    user = session.scalar(select(User).where(User.org_id == org_id, User.id == user_id))
    if user is None:
        raise NotFound(f"no user {user_id}")
    known = set(session.scalars(select(Hub.id).where(Hub.org_id == org_id, Hub.id.in_(hub_ids))))
    for index, hub_id in enumerate(hub_ids):
        if hub_id not in known:
            raise InvalidInput(f"hub_ids[{index}]", f"no hub {hub_id} in this organisation")
    session.execute(delete(UserHub).where(UserHub.user_id == user.id))
    for hub_id in dict.fromkeys(hub_ids):
        session.add(UserHub(org_id=org_id, user_id=user.id, hub_id=hub_id))
    session.flush()
    return user_hubs(session=session, user_id=user.id)


def _scope(session: SessionDep, principal: PrincipalDep) -> HubScope:
    return scope_of(session=session, role=principal.role, user_id=principal.user_id)


HubScopeDep = Annotated[HubScope, Depends(_scope)]
"""The caller's hubs (authenticates as `PrincipalDep` does)."""
