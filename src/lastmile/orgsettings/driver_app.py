"""What an organisation configures for its driver app: failure reasons, proof rules, quick
replies. Kept in the organisation's settings under `driver_app`."""

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from lastmile.auth.service import get_organization

SETTINGS_KEY = "driver_app"


class FailureReason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=200)


class CodeUnverifiable(StrEnum):
    """What a delivery needs when its code cannot be checked on the phone."""

    PHOTO_AND_SIGNATURE = "photo_and_signature"
    WAIT_FOR_NETWORK = "wait_for_network"


class ProofRules(BaseModel):
    """What a delivery needs before it can be completed."""

    model_config = ConfigDict(extra="forbid")

    photos: int = Field(default=0, ge=0, le=5, description="How many photos at least")
    signature: bool = False
    recipient_name: bool = False
    code: bool = Field(default=False, description="The one-time code the customer was given")
    scan_parcels: bool = Field(default=False, description="Every parcel's barcode scanned")
    code_unverifiable: CodeUnverifiable = Field(
        default=CodeUnverifiable.PHOTO_AND_SIGNATURE,
        description="When the phone cannot check a code itself (no WebCrypto, or a code issued "
        "before checks existed) and the server cannot be reached: ask for a photo and a "
        "signature as well (`photo_and_signature`), or let the driver deliver only once the "
        "server has checked the code (`wait_for_network`)",
    )


QuickReply = Annotated[str, Field(min_length=1, max_length=200)]

DEFAULT_REASONS = [
    FailureReason(code="not_home", label="Recipient not home"),
    FailureReason(code="refused", label="Refused by the recipient"),
    FailureReason(code="address_not_found", label="Address not found"),
    FailureReason(code="no_access", label="No access to the building"),
    FailureReason(code="damaged", label="Parcel damaged"),
    FailureReason(code="no_payment", label="Cash on delivery not paid"),
]
DEFAULT_QUICK_REPLIES = [
    "On my way",
    "Running about 10 minutes late",
    "Arrived at the address",
    "Cannot find the address: please call the customer",
    "OK",
]


class OpenStopsAtShiftEnd(StrEnum):
    """Where parcels of stops left open go when their route closes early."""

    TODAY = "today"
    """Back to the hub and into today's planning pool, for another driver."""
    NEXT_DAY = "next_day"
    """Back to the hub, planned with the next day's deliveries."""


class DriverAppSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    failure_reasons: list[FailureReason] = Field(
        default_factory=lambda: list(DEFAULT_REASONS), min_length=1, max_length=50
    )
    proof_rules: ProofRules = Field(default_factory=ProofRules)
    quick_replies: list[QuickReply] = Field(
        default_factory=lambda: list(DEFAULT_QUICK_REPLIES), max_length=30
    )
    open_stops_at_shift_end: OpenStopsAtShiftEnd = Field(
        default=OpenStopsAtShiftEnd.TODAY,
        description="Stops left open when a shift ends go back to the hub, then to today's "
        "planning pool (`today`) or the next day's (`next_day`)",
    )

    @field_validator("failure_reasons")
    @classmethod
    def _unique_codes(cls, reasons: list[FailureReason]) -> list[FailureReason]:
        codes = [r.code for r in reasons]
        for code in codes:
            if codes.count(code) > 1:
                raise ValueError(f"the code {code!r} is listed twice")
        return reasons


def read_settings(*, session: Session, org_id: uuid.UUID) -> DriverAppSettings:
    """The organisation's driver-app settings, defaults for whatever it has not set."""
    org = get_organization(session=session, org_id=org_id)
    return DriverAppSettings.model_validate(org.settings.get(SETTINGS_KEY, {}))


def write_settings(
    *, session: Session, org_id: uuid.UUID, settings: DriverAppSettings
) -> DriverAppSettings:
    org = get_organization(session=session, org_id=org_id)
    org.settings = {**org.settings, SETTINGS_KEY: settings.model_dump(mode="json")}
    session.flush()
    return settings
