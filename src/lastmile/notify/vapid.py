"""The server's VAPID key pair (RFC 8292): from the settings, or made once in the data dir."""

import base64
import contextlib
import os
import threading
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid, VapidException

from lastmile.config import Settings
from lastmile.errors import InsecureSettings

KEY_FILE = "vapid_private_key.pem"

_lock = threading.Lock()
_loaded: dict[str, "VapidKeys"] = {}


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """What push needs: the public key browsers subscribe with, the signer, the contact."""

    public_key: str
    """Base64url of the uncompressed P-256 point: the page's `applicationServerKey`."""
    subject: str
    signer: Vapid = field(repr=False)


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subject_of(settings: Settings) -> str:
    """The `sub` claim: the setting, else the https public URL, else the email sender."""
    subject = settings.vapid_subject
    if subject is None:
        if settings.public_url.startswith("https://"):
            subject = settings.public_url.rstrip("/")
        else:
            subject = f"mailto:{parseaddr(settings.email_from)[1] or 'no-reply@localhost'}"
    if not subject.startswith(("mailto:", "https://")):
        raise InsecureSettings(
            f"LASTMILE_VAPID_SUBJECT is {subject!r}: use a mailto: or https:// contact"
        )
    return subject


def _from_setting(text: str) -> Vapid:
    try:
        if text.lstrip().startswith("-----BEGIN"):
            return Vapid.from_pem(text.strip().encode())
        return Vapid.from_string(text.strip())
    except (VapidException, ValueError, TypeError):
        raise InsecureSettings(
            "LASTMILE_VAPID_PRIVATE_KEY is not a P-256 private key (base64url raw, DER or PEM)"
        ) from None


def _create_once(path: Path) -> None:
    """Write a new key unless one exists; two processes racing keep the first one's."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


def _from_file(path: Path) -> Vapid:
    if not path.exists():
        _create_once(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise InsecureSettings(f"{path} does not hold a P-256 private key: delete it or fix it")
    return Vapid(key)


def load_keys(settings: Settings) -> VapidKeys:
    """The key pair in force (read once per process and source)."""
    secret = settings.vapid_private_key
    path = (settings.data_dir / KEY_FILE).resolve()
    source = f"setting:{hash(secret.get_secret_value())}" if secret else f"file:{path}"
    subject = subject_of(settings)
    with _lock:
        signer = _loaded[source].signer if source in _loaded else None
        if signer is None:
            signer = _from_setting(secret.get_secret_value()) if secret else _from_file(path)
        keys = VapidKeys(
            public_key=public_key_b64(signer.private_key), subject=subject, signer=signer
        )
        _loaded[source] = keys
    return keys
