"""`/t/{token}/push`: a browser asks to be notified about this link's shipment, or stops."""

import base64
import binascii
import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.config import Settings
from lastmile.db import utcnow
from lastmile.errors import InvalidInput, NotFound
from lastmile.notify import subscriptions
from lastmile.web.tracking import access
from lastmile.web.tracking.access import Refusal, Tracked

router = APIRouter(include_in_schema=False)

SERVICE_WORKER = Path(__file__).parent / "static" / "sw.js"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def b64url(text: str) -> bytes:
    """Strict base64url (padding optional): a stray character is an error, not skipped."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(max_length=128)
    auth: str = Field(max_length=64)

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        try:
            raw = b64url(value)
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except (binascii.Error, ValueError):
            raise ValueError("must be the browser's P-256 public key, base64url") from None
        if len(raw) != 65:
            raise ValueError("must be an uncompressed P-256 point (65 bytes), base64url")
        return value

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        try:
            raw = b64url(value)
        except (binascii.Error, ValueError):
            raise ValueError("must be base64url") from None
        if len(raw) != 16:
            raise ValueError(f"must be 16 bytes, base64url (got {len(raw)})")
        return value


class SubscriptionIn(BaseModel):
    """What `PushSubscription.toJSON()` gives (its `expirationTime` is ignored)."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=1, max_length=2000)
    keys: PushKeys


class SubscriptionRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=1, max_length=2000)


def check_endpoint(endpoint: str, settings: Settings) -> None:
    """Push services live on public https hosts; anything else would let a link holder make
    our server post wherever they like. Development and tests may use local http."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("endpoint", "must be the push service's https:// URL")
    if settings.env != "production":
        return
    if parts.scheme != "https":
        raise InvalidInput("endpoint", "must be an https:// URL")
    host = parts.hostname
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or "." not in host:
            raise InvalidInput("endpoint", f"{host!r} is not a push service's host") from None
        return
    raise InvalidInput("endpoint", "must name the push service by host name, not IP address")


def _tracked(session: SessionDep, token: str) -> Tracked:
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        raise NotFound("no parcel is tracked under this link")
    return found


@router.get("/t/{token}/sw.js")
def service_worker(token: str, session: SessionDep) -> Response:
    """The page's service worker, allowed to control `/t/{token}` (and nothing wider)."""
    _tracked(session, token)
    return Response(
        SERVICE_WORKER.read_bytes(),
        media_type="text/javascript",
        headers={
            **NO_STORE,
            "Service-Worker-Allowed": f"/t/{token}",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


@router.post("/t/{token}/push", status_code=201)
def subscribe(
    token: str, body: SubscriptionIn, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    tracked = _tracked(session, token)
    check_endpoint(body.endpoint, settings)
    subscriptions.subscribe(
        session=session,
        shipment=tracked.shipment,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
    )
    session.commit()
    return {"endpoint": body.endpoint}


@router.delete("/t/{token}/push", status_code=204)
def unsubscribe(token: str, body: SubscriptionRef, session: SessionDep) -> Response:
    tracked = _tracked(session, token)
    if not subscriptions.unsubscribe(
        session=session, shipment=tracked.shipment, endpoint=body.endpoint
    ):
        raise NotFound("this browser is not subscribed to this parcel")
    session.commit()
    return Response(status_code=204, headers=NO_STORE)
