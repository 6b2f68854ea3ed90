"""Recording proofs of delivery, the one-time codes, and what a stop still lacks."""

import hashlib
import hmac
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import RouteStop
from lastmile.errors import Conflict, InvalidInput, PayloadTooLarge, TooManyAttempts
from lastmile.orgsettings.driver_app import ProofRules
from lastmile.pod.blobs import BlobStore, org_prefix
from lastmile.pod.models import DeliveryCode, Proof, ProofKind
from lastmile.shipments.models import Shipment

CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5
CHECK_ITERATIONS = 50_000
"""PBKDF2-SHA256 rounds of the offline code check: about 25-100 ms on a phone's WebCrypto, so
trying all 10**6 codes on the phone takes 7-28 hours; the app also locks after
MAX_CODE_ATTEMPTS wrong codes, as the server does. (Someone who copies the check off the phone
onto a GPU could still search six digits in minutes: the server's own check on replay, and the
alert it raises, remain the guard.)"""
_IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True, slots=True)
class Stamp:
    """When and where the phone says a proof was taken."""

    at: datetime
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


@dataclass
class ProofStatus:
    """What a stop has collected so far."""

    photos: int = 0
    signature: bool = False
    recipient_name: str | None = None
    code_verified: bool = False
    scanned: set[str] = field(default_factory=set)


def parcel_barcodes(shipment: Shipment) -> list[str]:
    """The label barcodes of a shipment's parcels: `<tracking number>-<n>`, n from 1."""
    return [f"{shipment.tracking_number}-{n}" for n in range(1, shipment.parcel_count + 1)]


def image_extension(data: bytes) -> str | None:
    """`jpg`, `png` or `webp` from the file's own signature bytes, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def content_type_of(extension: str) -> str:
    return _IMAGE_TYPES[extension]


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def pbkdf2_check(code: str, *, salt_hex: str, iterations: int) -> str:
    """The hex PBKDF2-SHA256 of a code, as the phone computes it with WebCrypto.

    >>> pbkdf2_check("123456", salt_hex="00" * 16, iterations=1)[:16]
    '1e05eeecc8e1fc57'
    """
    derived = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt_hex), iterations)
    return derived.hex()


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What the phone needs to check a code offline without holding it."""

    salt_hex: str
    iterations: int
    pbkdf2_hex: str


def code_checks(*, session: Session, stop_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, CodeCheck]:
    """The offline checks of those stops that have a code (and a check: older codes do not)."""
    if not stop_ids:
        return {}
    rows = session.scalars(
        select(DeliveryCode).where(
            DeliveryCode.stop_id.in_(stop_ids), DeliveryCode.check_pbkdf2.is_not(None)
        )
    )
    return {
        row.stop_id: CodeCheck(
            salt_hex=row.check_salt or "",
            iterations=row.check_iterations or CHECK_ITERATIONS,
            pbkdf2_hex=row.check_pbkdf2 or "",
        )
        for row in rows
    }


def issue_code(*, session: Session, stop: RouteStop) -> DeliveryCode:
    """The stop's one-time code, made on first need."""
    found = session.scalar(select(DeliveryCode).where(DeliveryCode.stop_id == stop.id))
    if found is not None:
        return found
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    row = DeliveryCode(
        org_id=stop.org_id,
        stop_id=stop.id,
        shipment_id=stop.shipment_id,
        code=code,
        code_sha256=_hash_code(code),
        check_salt=salt,
        check_pbkdf2=pbkdf2_check(code, salt_hex=salt, iterations=CHECK_ITERATIONS),
        check_iterations=CHECK_ITERATIONS,
    )
    session.add(row)
    session.flush()
    return row


def retire_code(*, session: Session, stop: RouteStop) -> None:
    """The stop is finished: its code is no longer shown anywhere."""
    found = session.scalar(select(DeliveryCode).where(DeliveryCode.stop_id == stop.id))
    if found is not None:
        found.code = None


def _record(
    session: Session,
    stop: RouteStop,
    driver_id: uuid.UUID,
    kind: ProofKind,
    stamp: Stamp,
    **fields: object,
) -> Proof:
    proof = Proof(
        org_id=stop.org_id,
        stop_id=stop.id,
        shipment_id=stop.shipment_id,
        driver_id=driver_id,
        kind=kind,
        at=stamp.at,
        lat=stamp.lat,
        lon=stamp.lon,
        accuracy_m=stamp.accuracy_m,
        recorded_at=utcnow(),
        **fields,
    )
    session.add(proof)
    session.flush()
    return proof


def add_image(
    *,
    session: Session,
    store: BlobStore,
    stop: RouteStop,
    driver_id: uuid.UUID,
    kind: ProofKind,
    data: bytes,
    max_bytes: int,
    stamp: Stamp,
) -> Proof:
    """A photo (JPEG, PNG or WebP) or a signature (PNG), stored before its row is written."""
    if kind not in (ProofKind.PHOTO, ProofKind.SIGNATURE):
        raise InvalidInput("kind", f"is {kind}: images are `photo` or `signature`")
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"`file` is {len(data)} bytes: proof images are at most {max_bytes} bytes"
            " (downscale on the phone)"
        )
    if not data:
        raise InvalidInput("file", "is empty")
    extension = image_extension(data)
    if extension is None:
        raise InvalidInput("file", "is not a JPEG, PNG or WebP image")
    if kind is ProofKind.SIGNATURE and extension != "png":
        raise InvalidInput("file", f"is a {extension} image: a signature is a PNG")
    key = store.put(data, prefix=org_prefix(stop.org_id), extension=extension)
    return _record(
        session,
        stop,
        driver_id,
        kind,
        stamp,
        blob_key=key,
        content_type=content_type_of(extension),
        size_bytes=len(data),
    )


def add_recipient_name(
    *, session: Session, stop: RouteStop, driver_id: uuid.UUID, name: str, stamp: Stamp
) -> Proof:
    return _record(session, stop, driver_id, ProofKind.RECIPIENT_NAME, stamp, value=name.strip())


def verify_code(
    *, session: Session, stop: RouteStop, driver_id: uuid.UUID, code: str, stamp: Stamp
) -> Proof:
    """Check the code the customer gave; five wrong codes lock it (the dispatcher can help)."""
    row = session.scalar(
        select(DeliveryCode).where(DeliveryCode.stop_id == stop.id).with_for_update()
    )
    if row is None:
        raise Conflict("this stop has no one-time code: it does not need one")
    if row.failed_attempts >= MAX_CODE_ATTEMPTS:
        raise TooManyAttempts("too many wrong codes for this stop: call the dispatcher")
    if not hmac.compare_digest(_hash_code(code.strip()), row.code_sha256):
        row.failed_attempts += 1
        left = MAX_CODE_ATTEMPTS - row.failed_attempts
        raise InvalidInput("code", f"is not this delivery's code ({left} attempts left)")
    row.verified_at = row.verified_at or stamp.at
    return _record(session, stop, driver_id, ProofKind.CODE, stamp, value="verified")


def add_scan(
    *,
    session: Session,
    stop: RouteStop,
    shipment: Shipment,
    driver_id: uuid.UUID,
    barcode: str,
    stamp: Stamp,
) -> Proof:
    """A parcel's barcode, scanned or typed; it must be one of this stop's parcels."""
    barcode = barcode.strip().upper()
    expected = parcel_barcodes(shipment)
    if barcode not in expected:
        raise InvalidInput(
            "barcode", f"{barcode!r} is not a parcel of this stop (expected one of {expected})"
        )
    return _record(session, stop, driver_id, ProofKind.SCAN, stamp, value=barcode)


def proofs_of(*, session: Session, stop_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Proof]]:
    found: dict[uuid.UUID, list[Proof]] = defaultdict(list)
    if not stop_ids:
        return found
    query = select(Proof).where(Proof.stop_id.in_(stop_ids)).order_by(Proof.at, Proof.id)
    for proof in session.scalars(query):
        found[proof.stop_id].append(proof)
    return found


def status_of(proofs: Sequence[Proof]) -> ProofStatus:
    status = ProofStatus()
    for proof in proofs:
        if proof.kind is ProofKind.PHOTO:
            status.photos += 1
        elif proof.kind is ProofKind.SIGNATURE:
            status.signature = True
        elif proof.kind is ProofKind.RECIPIENT_NAME:
            status.recipient_name = proof.value
        elif proof.kind is ProofKind.CODE:
            status.code_verified = True
        elif proof.kind is ProofKind.SCAN and proof.value:
            status.scanned.add(proof.value)
    return status


def missing(rules: ProofRules, status: ProofStatus, shipment: Shipment) -> list[str]:
    """The proofs the rules still ask for, named as the API names them."""
    lacking = []
    if status.photos < rules.photos:
        lacking.append(f"photo ({status.photos} of {rules.photos})")
    if rules.signature and not status.signature:
        lacking.append("signature")
    if rules.recipient_name and not status.recipient_name:
        lacking.append("recipient_name")
    if rules.code and not status.code_verified:
        lacking.append("code")
    if rules.scan_parcels:
        unscanned = [b for b in parcel_barcodes(shipment) if b not in status.scanned]
        if unscanned:
            lacking.append(f"scan ({', '.join(unscanned)})")
    return lacking
