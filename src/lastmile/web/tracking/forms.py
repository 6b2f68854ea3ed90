"""The per-link form secret that guards the page's POST forms against cross-site requests."""

import hashlib
import hmac

FIELD = "form_secret"


def form_secret(*, secret_key: str, token: str) -> str:
    """A value only our server can compute for this link; each form echoes it back."""
    digest = hmac.new(secret_key.encode(), f"tracking-form:{token}".encode(), hashlib.sha256)
    return digest.hexdigest()


def is_valid(*, secret_key: str, token: str, sent: str) -> bool:
    return hmac.compare_digest(form_secret(secret_key=secret_key, token=token), sent)
