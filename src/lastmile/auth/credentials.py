"""Making and checking secrets: password hashes, API keys, session and tracking tokens."""

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lastmile.auth import hashing

API_KEY_PREFIX = "lm"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return hashing.gate.run(lambda: _hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    return hashing.gate.run(lambda: _verify(password_hash, password))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def decoy_hash() -> str:
    """A hash no one's password matches: checked instead of an unknown account's, so that
    unknown and known accounts cost the same time and timing tells no one which exist."""
    return hash_password(secrets.token_urlsafe(16))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """(key shown once, its public prefix, the SHA-256 of its secret part)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}_{prefix}_{secret}", prefix, sha256_hex(secret)


def split_api_key(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def api_key_matches(secret: str, secret_sha256: str) -> bool:
    return hmac.compare_digest(sha256_hex(secret), secret_sha256)


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token; 32 bytes is 256 bits."""
    return secrets.token_urlsafe(nbytes)


def keyed_hash(token: str, secret_key: str) -> str:
    """HMAC-SHA256 of a token under the server secret: stolen rows cannot be replayed."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
