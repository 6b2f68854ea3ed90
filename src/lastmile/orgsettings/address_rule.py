"""What an organisation does with shipments whose address quality is below its threshold."""

from enum import StrEnum
from typing import Final

DEFAULT_THRESHOLD: Final = 60
"""Below this score an address needs attention: a missing or unknown house number, an
ambiguous text or coordinates far from the text all score under it (`addresses.quality`)."""


class AddressQualityRule(StrEnum):
    OFF = "off"
    """Planning ignores address quality."""
    WARN = "warn"
    """Planning plans them and lists them, with their reasons, beside the plan."""
    REFUSE = "refuse"
    """Planning leaves them out, each listed as unassigned with its reasons."""


def needs_attention(score: int | None, threshold: int) -> bool:
    """An address scored below the threshold; an unknown score (no address index) is not.

    >>> needs_attention(50, 60), needs_attention(60, 60), needs_attention(None, 60)
    (True, False, False)
    """
    return score is not None and score < threshold
