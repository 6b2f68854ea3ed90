"""Masked calls: the server bridges a driver to a customer; neither sees the other's number."""

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from lastmile.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bridge:
    """A call placed between two numbers the caller never learns; `message` is for the driver."""

    reference: str
    message: str


class CallMasker(Protocol):
    """Places a call between a driver's and a customer's phone through the provider's
    numbers; the numbers go to the provider only, never back to the caller or to a log."""

    def bridge(
        self, *, shipment_id: uuid.UUID, driver_phone: str, customer_phone: str
    ) -> Bridge: ...


class ConsoleCallMasker:
    """The embedded default: logs that a call was bridged (never the numbers) and says so."""

    def bridge(self, *, shipment_id: uuid.UUID, driver_phone: str, customer_phone: str) -> Bridge:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        log.info("call bridged for shipment %s (%s)", shipment_id, reference)
        return Bridge(
            reference=reference,
            message="Calling the customer: your phone rings and connects you in a moment.",
        )


def call_masker(settings: Settings) -> CallMasker | None:
    """The masker the settings ask for, or None when masked calls are off."""
    if settings.call_masking == "console":
        return ConsoleCallMasker()
    return None
