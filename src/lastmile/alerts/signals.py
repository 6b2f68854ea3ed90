"""What a detector says: an exception began (raise) or ended (clear), keyed for deduplication."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AlertKind(StrEnum):
    UNSCHEDULED_HALT = "unscheduled_halt"
    ROUTE_DEVIATION = "route_deviation"
    LATE_RISK = "late_risk"
    SLA_BREACH = "sla_breach"
    GPS_LOST = "gps_lost"
    PROOF_FAR_FROM_ADDRESS = "proof_far_from_address"
    SUSPICIOUS_STOP = "suspicious_stop"
    DELIVERY_WHILE_ELSEWHERE = "delivery_while_elsewhere"
    SPOOFED_LOCATION = "spoofed_location"
    ROUTE_UNFINISHED = "route_unfinished"
    ADDRESS_WRONG = "address_wrong"
    """A driver at the stop says the address's pin is not the door (and where the door is)."""
    COD_DISCREPANCY = "cod_discrepancy"
    DELIVERY_CODE_REFUSED = "delivery_code_refused"
    UNPLANNED_ORDER = "unplanned_order"
    """The committed plan of its day left the order off: no route will come by for it."""


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Signal:
    """A detector's finding. `key` identifies one exception (one excursion, one halt, one stop):
    raising an already open key updates it, clearing it closes it."""

    kind: AlertKind
    key: str
    raised: bool
    at: datetime
    severity: Severity = Severity.WARNING
    title: str = ""
    lat: float | None = None
    lon: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def clear(cls, kind: AlertKind, key: str, at: datetime) -> "Signal":
        return cls(kind=kind, key=key, raised=False, at=at)
