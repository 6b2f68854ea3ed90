"""A real local push service for the tests, and a browser's side of a push subscription.

The service receives what pywebpush posts, checks the VAPID `Authorization` header as a push
service does (ES256 signature with the key in `k=`, `aud` = its own origin, `exp` ahead), and
the subscriber decrypts the aes128gcm body with its own private key, as the browser would.
"""

import base64
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tests.notify.receivers import Received, Recorder, serve


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """A browser's push subscription: its ECDH key pair and auth secret, made here."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def to_json(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives the page."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        """The notification, as the browser reads it (RFC 8291, aes128gcm)."""
        clear = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        payload: dict[str, Any] = json.loads(clear)
        return payload


def vapid_claims(request: Received, *, origin: str) -> tuple[dict[str, Any], str]:
    """The JWT claims and the signer's public key, after checking them as a push service does."""
    scheme, _, params = request.headers["authorization"].partition(" ")
    assert scheme == "vapid", request.headers["authorization"]
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    token, public_key = parts["t"], parts["k"]
    signed, _, signature = token.rpartition(".")
    header = json.loads(unb64url(signed.split(".")[0]))
    assert header == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64, "an ES256 JWT signature is r || s, 32 bytes each"
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    try:
        key.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID JWT signature does not verify") from None
    claims: dict[str, Any] = json.loads(unb64url(signed.split(".")[1]))
    assert claims["aud"] == origin
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return claims, public_key


@dataclass
class PushService:
    """The recorder behind the service, and the status it answers with (201 by default)."""

    recorder: Recorder
    status: int = 201

    @property
    def origin(self) -> str:
        return self.recorder.url

    def subscriber(self, name: str = "browser") -> Subscriber:
        return Subscriber(endpoint=f"{self.origin}/push/{name}-{os.urandom(6).hex()}")


@contextmanager
def push_service() -> Iterator[PushService]:
    holder: list[PushService] = []
    with serve(Recorder(answer=lambda _recorder, _request: holder[0].status)) as recorder:
        holder.append(PushService(recorder))
        yield holder[0]
