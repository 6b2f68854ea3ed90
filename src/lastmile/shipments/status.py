"""The shipment status lifecycle as an explicit state machine."""

from collections.abc import Iterable
from enum import StrEnum

from lastmile.errors import Conflict


class Status(StrEnum):
    CREATED = "created"
    AT_HUB = "at_hub"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ARRIVING = "arriving"
    DELIVERED = "delivered"
    ATTEMPTED = "attempted"
    RETURNED_TO_HUB = "returned_to_hub"
    CANCELLED = "cancelled"
    EXCEPTION = "exception"


S = Status

TERMINAL: frozenset[Status] = frozenset({S.DELIVERED, S.CANCELLED})
REASON_REQUIRED: frozenset[Status] = frozenset({S.ATTEMPTED, S.EXCEPTION, S.CANCELLED})

_ALLOWED: dict[Status, frozenset[Status]] = {
    S.CREATED: frozenset({S.AT_HUB, S.OUT_FOR_DELIVERY}),
    S.AT_HUB: frozenset({S.OUT_FOR_DELIVERY}),
    S.OUT_FOR_DELIVERY: frozenset({S.ARRIVING, S.DELIVERED, S.ATTEMPTED, S.RETURNED_TO_HUB}),
    S.ARRIVING: frozenset({S.DELIVERED, S.ATTEMPTED}),
    # Delivered after all on the same trip: the recipient came to the door as the driver was
    # leaving, or the attempt was reported by mistake and the delivery reached us late.
    S.ATTEMPTED: frozenset({S.OUT_FOR_DELIVERY, S.DELIVERED, S.RETURNED_TO_HUB}),
    S.RETURNED_TO_HUB: frozenset({S.AT_HUB, S.OUT_FOR_DELIVERY}),
    S.EXCEPTION: frozenset({S.AT_HUB, S.OUT_FOR_DELIVERY, S.RETURNED_TO_HUB}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

LABELS: dict[Status, str] = {
    S.CREATED: "Order received",
    S.AT_HUB: "At the delivery hub",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.ARRIVING: "Arriving soon",
    S.DELIVERED: "Delivered",
    S.ATTEMPTED: "Delivery attempted",
    S.RETURNED_TO_HUB: "Returned to the hub",
    S.CANCELLED: "Cancelled",
    S.EXCEPTION: "Delayed: needs attention",
}


class IllegalTransition(Conflict):
    """A status change the lifecycle does not allow; names both states."""

    slug = "illegal-transition"

    def __init__(self, current: Status, new: Status) -> None:
        allowed = ", ".join(sorted(next_statuses(current))) or "none: it is final"
        super().__init__(
            f"a shipment cannot go from `{current}` to `{new}` "
            f"(allowed from `{current}`: {allowed})"
        )
        self.current = current
        self.new = new


def next_statuses(current: Status) -> frozenset[Status]:
    """Statuses reachable in one step; any non-final status may also be cancelled or flagged."""
    if current in TERMINAL:
        return frozenset()
    return _ALLOWED[current] | {S.CANCELLED, S.EXCEPTION}


def is_allowed(current: Status, new: Status) -> bool:
    """True if `new` may follow `current`; repeating a non-final status is a scan, not a change."""
    if current == new:
        return current not in TERMINAL
    return new in next_statuses(current)


def check_transition(current: Status, new: Status) -> None:
    if not is_allowed(current, new):
        raise IllegalTransition(current, new)


def replay(statuses: Iterable[Status], *, start: Status = S.CREATED) -> Status:
    """The status after applying `statuses` in order; IllegalTransition at the first bad step."""
    current = start
    for status in statuses:
        check_transition(current, status)
        current = status
    return current
