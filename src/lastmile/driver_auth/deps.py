"""The signed-in driver app: `Authorization: Bearer <driver session token>`."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lastmile.api.deps import SettingsDep
from lastmile.auth.recent import RecentlyVerified
from lastmile.db.contention import reading
from lastmile.driver_auth import service as driver_service
from lastmile.errors import Unauthenticated

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DriverSession",
    description="A driver session token from POST /api/v1/driver/session",
)


@dataclass(frozen=True, slots=True)
class DriverPrincipal:
    """The signed-in driver: sees and changes only their own shifts, routes and messages."""

    org_id: uuid.UUID
    driver_id: uuid.UUID
    name: str

    @property
    def actor(self) -> str:
        return f"driver:{self.driver_id}"


def _driver(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> DriverPrincipal:
    """The signed-in driver, resolved in a session closed at once (see `auth.deps`)."""
    if bearer is None:
        raise Unauthenticated("send the driver session token as `Authorization: Bearer <token>`")
    recent: RecentlyVerified[DriverPrincipal] = request.app.state.verified_drivers
    if (known := recent.get(bearer.credentials)) is not None:
        return known
    with reading(), request.app.state.db.session() as session:
        driver = driver_service.resolve_session(
            session=session,
            token=bearer.credentials,
            secret_key=settings.secret_key.get_secret_value(),
        )
        session.commit()
    if driver is None:
        raise Unauthenticated("the driver session has expired or was ended: sign in again")
    principal = DriverPrincipal(org_id=driver.org_id, driver_id=driver.id, name=driver.name)
    recent.put(bearer.credentials, principal, owner=driver.id)
    return principal


DriverDep = Annotated[DriverPrincipal, Depends(_driver)]


def _session_token(
    _: DriverDep, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The bearer token of the signed-in driver's own session (verified by `DriverDep`)."""
    if bearer is None:  # `DriverDep` has refused it already; this keeps the type honest
        raise Unauthenticated("send the driver session token as `Authorization: Bearer <token>`")
    return bearer.credentials


DriverSessionToken = Annotated[str, Depends(_session_token)]
