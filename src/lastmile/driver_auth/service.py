"""Driver sign-in: PINs with lockout, sessions for the driver app, one-time links."""

import functools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.credentials import hash_password, keyed_hash, new_token, verify_password
from lastmile.db import utcnow
from lastmile.driver_auth.models import DriverCredential, DriverSession, DriverSignInLink
from lastmile.errors import InvalidInput, TooManyAttempts, Unauthenticated
from lastmile.fleet.models import Driver
from lastmile.fleet.service import get_driver

PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")


@functools.cache
def _decoy_hash() -> str:
    return hash_password("no-such-driver")


@dataclass(frozen=True, slots=True)
class Lockout:
    max_failures: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    driver: Driver
    expires_at: datetime


def set_pin(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, pin: str) -> None:
    """Set (or reset) the PIN; a reset also lifts a lockout and ends the driver's sessions."""
    if not PIN_PATTERN.match(pin):
        raise InvalidInput("pin", "must be 4 to 8 digits")
    get_driver(session=session, org_id=org_id, driver_id=driver_id)
    row = session.scalar(select(DriverCredential).where(DriverCredential.driver_id == driver_id))
    if row is None:
        row = DriverCredential(org_id=org_id, driver_id=driver_id, pin_hash="")
        session.add(row)
    row.pin_hash = hash_password(pin)
    row.failed_attempts = 0
    row.locked_until = None
    row.updated_at = utcnow()
    end_driver_sessions(session=session, driver_id=driver_id)
    session.flush()


@dataclass(frozen=True, slots=True)
class PinAttempt:
    """What hashing the PIN found: the (credential, hash) pairs it matched."""

    matched: frozenset[tuple[uuid.UUID, str]]


def _candidates(
    session: Session, phone: str, org_id: uuid.UUID | None, *, for_update: bool = False
) -> list[tuple[Driver, DriverCredential]]:
    query = (
        select(Driver, DriverCredential)
        .join(DriverCredential, DriverCredential.driver_id == Driver.id)
        .where(Driver.phone == phone, Driver.active.is_(True))
    )
    if org_id is not None:
        query = query.where(Driver.org_id == org_id)
    if for_update:  # fresh counters, and on PostgreSQL no two attempts count at once
        query = query.with_for_update(of=DriverCredential).execution_options(populate_existing=True)
    return [(driver, credential) for driver, credential in session.execute(query)]


def _locked(credential: DriverCredential, now: datetime) -> bool:
    return credential.locked_until is not None and credential.locked_until > now


def pin_hashes(
    *, session: Session, phone: str, org_id: uuid.UUID | None = None, now: datetime | None = None
) -> tuple[tuple[uuid.UUID, str], ...]:
    """The (credential, PIN hash) of every unlocked account with this phone, read before the
    slow hashing so that the caller can hand its database connection back first."""
    now = now or utcnow()
    return tuple(
        (credential.id, credential.pin_hash)
        for _, credential in _candidates(session, phone, org_id)
        if not _locked(credential, now)
    )


def try_pin(*, hashes: tuple[tuple[uuid.UUID, str], ...], pin: str) -> PinAttempt:
    """Hash the PIN against each of `hashes` (`pin_hashes`), with no database involved; with
    none, against a decoy, as slow as a real check: phones stay private."""
    if not hashes:
        verify_password(_decoy_hash(), pin)
    return PinAttempt(frozenset(pair for pair in hashes if verify_password(pair[1], pin)))


def settle_pin(
    *,
    session: Session,
    phone: str,
    attempt: PinAttempt,
    lockout: Lockout,
    org_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Driver:
    """The driver whose PIN `attempt` matched, on the accounts as they are now.

    Each wrong PIN counts against every account with that phone; after `max_failures` in a
    row the account is locked for `duration_s`, even for the right PIN, so a 4-digit PIN
    cannot be guessed by trying them all. A PIN changed since the attempt does not match. The
    caller commits, also after a failure.
    """
    now = now or utcnow()
    candidates = _candidates(session, phone, org_id, for_update=True)
    locked = [c for _, c in candidates if _locked(c, now)]
    if candidates and len(locked) == len(candidates):
        wait_s = int((min(c.locked_until for c in locked if c.locked_until) - now).total_seconds())
        raise TooManyAttempts(f"too many wrong PINs: try again in {wait_s // 60 + 1} minutes")
    matched = [
        (driver, credential)
        for driver, credential in candidates
        if credential not in locked and (credential.id, credential.pin_hash) in attempt.matched
    ]
    if len(matched) == 1:
        matched[0][1].failed_attempts = 0
        return matched[0][0]
    if len(matched) > 1:
        raise InvalidInput("org_id", "this phone signs in to several organisations: name one")
    for _, credential in candidates:
        if credential in locked:
            continue
        credential.failed_attempts += 1
        if credential.failed_attempts >= lockout.max_failures:
            credential.locked_until = now + timedelta(seconds=lockout.duration_s)
            credential.failed_attempts = 0
    raise Unauthenticated("wrong phone number or PIN")


def check_pin(
    *,
    session: Session,
    phone: str,
    pin: str,
    lockout: Lockout,
    org_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Driver:
    """The driver with this phone and PIN, in one transaction: `pin_hashes`, `try_pin`, then
    `settle_pin`."""
    now = now or utcnow()
    hashes = pin_hashes(session=session, phone=phone, org_id=org_id, now=now)
    attempt = try_pin(hashes=hashes, pin=pin)
    return settle_pin(
        session=session, phone=phone, attempt=attempt, lockout=lockout, org_id=org_id, now=now
    )


def start_session(*, session: Session, driver: Driver, secret_key: str, ttl_s: int) -> IssuedToken:
    token = new_token()
    expires_at = utcnow() + timedelta(seconds=ttl_s)
    session.add(
        DriverSession(
            org_id=driver.org_id,
            driver_id=driver.id,
            token_hash=keyed_hash(token, secret_key),
            expires_at=expires_at,
        )
    )
    session.flush()
    return IssuedToken(token, driver, expires_at)


def resolve_session(*, session: Session, token: str, secret_key: str) -> Driver | None:
    """The active driver behind a session token, or None when unknown or expired."""
    row = session.scalar(
        select(DriverSession).where(DriverSession.token_hash == keyed_hash(token, secret_key))
    )
    if row is None or row.expires_at < utcnow():
        return None
    driver = session.get(Driver, row.driver_id)
    if driver is None or not driver.active:
        return None
    return driver


def end_session(*, session: Session, token: str, secret_key: str) -> None:
    """End the one session behind `token`; the driver's other phones stay signed in."""
    row = session.scalar(
        select(DriverSession).where(DriverSession.token_hash == keyed_hash(token, secret_key))
    )
    if row is not None:
        session.delete(row)


def end_driver_sessions(*, session: Session, driver_id: uuid.UUID) -> None:
    """End every session of the driver, on every phone."""
    for row in session.scalars(select(DriverSession).where(DriverSession.driver_id == driver_id)):
        session.delete(row)


def create_link(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    secret_key: str,
    ttl_s: int,
    actor: str,
) -> IssuedToken:
    """A single-use sign-in token for the driver; only its keyed hash is stored."""
    driver = get_driver(session=session, org_id=org_id, driver_id=driver_id)
    if not driver.active:
        raise InvalidInput("driver_id", f"driver {driver.name!r} is inactive")
    token = new_token()
    expires_at = utcnow() + timedelta(seconds=ttl_s)
    session.add(
        DriverSignInLink(
            org_id=org_id,
            driver_id=driver_id,
            token_hash=keyed_hash(token, secret_key),
            created_by=actor,
            expires_at=expires_at,
        )
    )
    session.flush()
    return IssuedToken(token, driver, expires_at)


def redeem_link(*, session: Session, token: str, secret_key: str) -> Driver:
    """The link's driver; the link is spent (a second use, or an expired link: 401)."""
    row = session.scalar(
        select(DriverSignInLink)
        .where(DriverSignInLink.token_hash == keyed_hash(token, secret_key))
        .with_for_update()
    )
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at < now:
        raise Unauthenticated("the sign-in link is unknown, used or expired: ask for a new one")
    driver = session.get(Driver, row.driver_id)
    if driver is None or not driver.active:
        raise Unauthenticated("the sign-in link is unknown, used or expired: ask for a new one")
    row.used_at = now
    return driver
