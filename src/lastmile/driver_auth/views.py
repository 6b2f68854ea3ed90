"""HTTP routes: the driver app signs in (phone + PIN, or a one-time link); staff set PINs and
send links."""

import uuid
from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.fields import PhoneE164
from lastmile.api.problems import COMMON_PROBLEMS, problem_responses
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import StaffDep
from lastmile.db.contention import reading
from lastmile.driver_auth import service as driver_service
from lastmile.driver_auth.deps import DriverDep, DriverSessionToken
from lastmile.errors import TooManyAttempts, Unauthenticated
from lastmile.fleet import audit_subjects as fleet_subjects
from lastmile.fleet import service as fleet
from lastmile.ratelimit.deps import PhoneSignInLimit

router = APIRouter(tags=["driver app"], responses=COMMON_PROBLEMS)


class PinSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: PhoneE164
    pin: str = Field(min_length=1, max_length=20)
    org_id: uuid.UUID | None = Field(
        default=None, description="Only when one phone belongs to drivers of several organisations"
    )


class LinkSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=200)


class DriverSessionOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>` on /api/v1/driver/*")
    expires_at: datetime
    driver_id: uuid.UUID
    org_id: uuid.UUID
    name: str


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(min_length=4, max_length=8, pattern=r"^[0-9]+$", examples=["4821"])


class SignInLinkOut(BaseModel):
    url: str = Field(description="Send this to the driver; it works once, until `expires_at`")
    expires_at: datetime


def _session_out(issued: driver_service.IssuedToken) -> DriverSessionOut:
    return DriverSessionOut(
        token=issued.token,
        expires_at=issued.expires_at,
        driver_id=issued.driver.id,
        org_id=issued.driver.org_id,
        name=issued.driver.name,
    )


@router.post(
    "/api/v1/driver/session",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(429),
)
def sign_in_with_pin(
    _: PhoneSignInLimit, body: PinSignIn, session: SessionDep, settings: SettingsDep
) -> DriverSessionOut:
    """Phone and PIN; after 5 wrong PINs in a row the account is locked for 15 minutes (429)."""
    with reading():
        hashes = driver_service.pin_hashes(session=session, phone=body.phone, org_id=body.org_id)
    session.commit()  # hands the connection back before the slow hashing (see `pin_hashes`)
    attempt = driver_service.try_pin(hashes=hashes, pin=body.pin)
    try:
        driver = driver_service.settle_pin(
            session=session,
            phone=body.phone,
            attempt=attempt,
            org_id=body.org_id,
            lockout=driver_service.Lockout(
                settings.driver_pin_max_failures, settings.driver_pin_lockout_s
            ),
        )
    except (Unauthenticated, TooManyAttempts):
        session.commit()
        raise
    issued = driver_service.start_session(
        session=session,
        driver=driver,
        secret_key=settings.secret_key.get_secret_value(),
        ttl_s=settings.driver_session_ttl_s,
    )
    session.commit()
    return _session_out(issued)


@router.post("/api/v1/driver/session/link", status_code=status.HTTP_201_CREATED)
def sign_in_with_link(
    body: LinkSignIn, session: SessionDep, settings: SettingsDep
) -> DriverSessionOut:
    """Redeem the token of a one-time sign-in link (the `#link=` part of its URL)."""
    secret = settings.secret_key.get_secret_value()
    driver = driver_service.redeem_link(session=session, token=body.token, secret_key=secret)
    issued = driver_service.start_session(
        session=session, driver=driver, secret_key=secret, ttl_s=settings.driver_session_ttl_s
    )
    session.commit()
    return _session_out(issued)


@router.delete("/api/v1/driver/session", status_code=204)
def sign_out(
    token: DriverSessionToken, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """End this phone's session (the app forgets its token); the driver's sessions on other
    phones go on. To end them all, for a lost phone: `DELETE /api/v1/driver/sessions`."""
    driver_service.end_session(
        session=session, token=token, secret_key=settings.secret_key.get_secret_value()
    )
    session.commit()
    request.app.state.verified_drivers.discard(token)
    return Response(status_code=204)


@router.delete("/api/v1/driver/sessions", status_code=204)
def sign_out_everywhere(driver: DriverDep, request: Request, session: SessionDep) -> Response:
    """End every session of this driver, on every phone and this one too: for a lost or
    stolen phone. Each app must sign in again."""
    driver_service.end_driver_sessions(session=session, driver_id=driver.driver_id)
    session.commit()
    request.app.state.verified_drivers.forget(driver.driver_id)
    return Response(status_code=204)


@router.put("/api/v1/drivers/{driver_id}/pin", status_code=204)
def set_pin(
    driver_id: uuid.UUID, body: PinIn, request: Request, session: SessionDep, principal: StaffDep
) -> Response:
    """Set or reset a driver's PIN: lifts a lockout and signs the driver's apps out."""
    driver_service.set_pin(
        session=session, org_id=principal.org_id, driver_id=driver_id, pin=body.pin
    )
    driver = fleet.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    audit_log.record(  # that a PIN was set, never the PIN
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.DRIVER_PIN,
        subject=fleet_subjects.driver(driver),
    )
    session.commit()
    request.app.state.verified_drivers.forget(driver_id)
    return Response(status_code=204)


@router.post("/api/v1/drivers/{driver_id}/signin-links", status_code=status.HTTP_201_CREATED)
def create_signin_link(
    driver_id: uuid.UUID, session: SessionDep, settings: SettingsDep, principal: StaffDep
) -> SignInLinkOut:
    issued = driver_service.create_link(
        session=session,
        org_id=principal.org_id,
        driver_id=driver_id,
        secret_key=settings.secret_key.get_secret_value(),
        ttl_s=settings.driver_link_ttl_s,
        actor=principal.actor,
    )
    audit_log.record(  # that a link was made and until when, never its token
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.DRIVER_SIGNIN_LINK,
        subject=fleet_subjects.driver(issued.driver),
        after={"expires_at": issued.expires_at},
    )
    session.commit()
    url = f"{settings.public_url.rstrip('/')}/driver/#link={issued.token}"
    return SignInLinkOut(url=url, expires_at=issued.expires_at)
