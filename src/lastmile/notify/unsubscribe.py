"""Signed unsubscribe links: the token names the organisation, channel and address, unforgeably."""

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

from lastmile.notify.types import Channel


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    org_id: uuid.UUID
    channel: Channel
    address: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret_key: str, payload: str) -> str:
    key = hashlib.sha256(f"unsubscribe:{secret_key}".encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()[:18])


def make_token(request: Unsubscribe, *, secret_key: str) -> str:
    payload = _b64(
        json.dumps([str(request.org_id), request.channel.value, request.address]).encode()
    )
    return f"{payload}.{_mac(secret_key, payload)}"


def read_token(token: str, *, secret_key: str) -> Unsubscribe | None:
    """The request a token carries, or None if it was not made with our key."""
    payload, _, mac = token.partition(".")
    if not payload or not hmac.compare_digest(mac, _mac(secret_key, payload)):
        return None
    try:
        org_id, channel, address = json.loads(_unb64(payload))
        return Unsubscribe(uuid.UUID(org_id), Channel(channel), str(address))
    except (ValueError, TypeError):
        return None
