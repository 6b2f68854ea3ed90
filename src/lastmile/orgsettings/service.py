"""Reading and changing an organisation's settings; defaults until an admin changes one."""

import uuid
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.errors import InvalidInput
from lastmile.orgsettings.address_rule import DEFAULT_THRESHOLD, AddressQualityRule
from lastmile.orgsettings.models import OrganizationSettings

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}
MAX_LOGO_BYTES = 200_000
_SIGNATURES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


@dataclass(frozen=True, slots=True)
class OrgRules:
    """The settings in force for one organisation."""

    brand_color: str = "#1f5fbf"
    logo_url: str | None = None
    has_logo_image: bool = False
    timezone: str = "UTC"
    driver_visible_stops_away: int = 3
    link_expiry_days: int = 30
    reschedule_days_ahead: int = 7
    reschedule_cutoff: str = "18:00"
    reschedule_windows: tuple[tuple[str, str], ...] = (
        ("08:00", "12:00"),
        ("12:00", "16:00"),
        ("16:00", "20:00"),
    )
    feedback_tags: tuple[str, ...] = (
        "On time",
        "Friendly driver",
        "Careful with the parcel",
        "Followed my instructions",
        "Late",
        "Left in the wrong place",
    )
    audit_retention_days: int | None = None
    osmand_issued_ids_only: bool = False
    """Refuse OsmAnd fixes from device ids typed in by hand, not issued by us: off by default
    (the demo, existing organisations), on in production (docs/SECURITY.md)."""
    address_quality_rule: AddressQualityRule = AddressQualityRule.WARN
    address_quality_threshold: int = DEFAULT_THRESHOLD
    country: str | None = None
    """ISO 3166-1 alpha-2: phone numbers written without a country code are read as this
    country's; None: they must carry one."""
    customer_can_move_pin: bool = True
    """The tracking page asks "Is this your door?" before dispatch and lets the customer
    move the pin a short way (`web.tracking.door`)."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cutoff(self) -> time:
        return time.fromisoformat(self.reschedule_cutoff)


DEFAULTS = OrgRules()


def _rules(row: OrganizationSettings | None) -> OrgRules:
    if row is None:
        return DEFAULTS
    return OrgRules(
        brand_color=row.brand_color,
        logo_url=row.logo_url,
        has_logo_image=row.logo_image is not None,
        timezone=row.timezone,
        driver_visible_stops_away=row.driver_visible_stops_away,
        link_expiry_days=row.link_expiry_days,
        reschedule_days_ahead=row.reschedule_days_ahead,
        reschedule_cutoff=row.reschedule_cutoff,
        reschedule_windows=tuple((start, end) for start, end in row.reschedule_windows),
        feedback_tags=tuple(row.feedback_tags),
        audit_retention_days=row.audit_retention_days,
        osmand_issued_ids_only=row.osmand_issued_ids_only,
        address_quality_rule=AddressQualityRule(row.address_quality_rule),
        address_quality_threshold=row.address_quality_threshold,
        country=row.country,
        customer_can_move_pin=row.customer_can_move_pin,
    )


def get_rules(*, session: Session, org_id: uuid.UUID) -> OrgRules:
    return _rules(session.get(OrganizationSettings, org_id))


def issued_ids_only_orgs(*, session: Session) -> frozenset[uuid.UUID]:
    """The organisations that refuse OsmAnd fixes from device ids not issued by us."""
    query = select(OrganizationSettings.org_id).where(
        OrganizationSettings.osmand_issued_ids_only.is_(True)
    )
    return frozenset(session.scalars(query))


def _row(session: Session, org_id: uuid.UUID) -> OrganizationSettings:
    row = session.get(OrganizationSettings, org_id)
    if row is None:
        row = OrganizationSettings(
            org_id=org_id,
            brand_color=DEFAULTS.brand_color,
            logo_url=None,
            timezone=DEFAULTS.timezone,
            driver_visible_stops_away=DEFAULTS.driver_visible_stops_away,
            link_expiry_days=DEFAULTS.link_expiry_days,
            reschedule_days_ahead=DEFAULTS.reschedule_days_ahead,
            reschedule_cutoff=DEFAULTS.reschedule_cutoff,
            reschedule_windows=[list(w) for w in DEFAULTS.reschedule_windows],
            feedback_tags=list(DEFAULTS.feedback_tags),
            osmand_issued_ids_only=DEFAULTS.osmand_issued_ids_only,
            address_quality_rule=DEFAULTS.address_quality_rule.value,
            address_quality_threshold=DEFAULTS.address_quality_threshold,
            country=DEFAULTS.country,
            customer_can_move_pin=DEFAULTS.customer_can_move_pin,
            updated_at=utcnow(),
        )
        session.add(row)
    return row


def update_rules(*, session: Session, org_id: uuid.UUID, changes: dict[str, Any]) -> OrgRules:
    """Apply a validated partial update (field name → value); windows come as dicts."""
    row = _row(session, org_id)
    for name, value in changes.items():
        if name == "reschedule_windows":
            value = [[w["start"], w["end"]] for w in value]
        elif name == "logo_url":
            value = value or None
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return _rules(row)


def set_logo(*, session: Session, org_id: uuid.UUID, image: bytes, content_type: str) -> OrgRules:
    """Store an uploaded logo (PNG, JPEG or WebP, checked by its first bytes)."""
    if content_type not in LOGO_TYPES:
        kinds = ", ".join(sorted(LOGO_TYPES))
        raise InvalidInput("logo", f"is {content_type or 'untyped'}: upload one of {kinds}")
    if len(image) > MAX_LOGO_BYTES:
        raise InvalidInput("logo", f"is {len(image)} bytes: at most {MAX_LOGO_BYTES}")
    signatures = _SIGNATURES.get(content_type)
    is_webp = image[:4] == b"RIFF" and image[8:12] == b"WEBP"
    if (signatures and not image.startswith(signatures)) or (
        content_type == "image/webp" and not is_webp
    ):
        raise InvalidInput("logo", f"does not hold {content_type} data")
    row = _row(session, org_id)
    row.logo_image = image
    row.logo_content_type = content_type
    row.updated_at = utcnow()
    session.flush()
    return _rules(row)


def get_logo(*, session: Session, org_id: uuid.UUID) -> tuple[bytes, str] | None:
    row = session.get(OrganizationSettings, org_id)
    if row is None or row.logo_image is None or row.logo_content_type is None:
        return None
    return row.logo_image, row.logo_content_type
