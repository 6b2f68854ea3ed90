"""What a recipient may change from the tracking page: instructions, safe place, the day."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lastmile.errors import Conflict, InvalidInput
from lastmile.hubs.schemas import WEEKDAYS
from lastmile.orgsettings.service import OrgRules
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import LABELS, TERMINAL, Status
from lastmile.shipments.timeline import append_event

SAFE_PLACES: dict[str, str] = {
    "": "No safe place: hand it to me",
    "front_door": "Front door",
    "back_door": "Back door",
    "neighbour": "With a neighbour",
    "reception": "Reception or concierge",
    "garage": "Garage",
    "custom": "Somewhere else (describe it below)",
}
MAX_INSTRUCTIONS = 500
RESCHEDULABLE = frozenset({Status.CREATED, Status.AT_HUB, Status.ATTEMPTED, Status.RETURNED_TO_HUB})
ACTOR = "recipient"


def may_edit_instructions(shipment: Shipment) -> bool:
    return shipment.status not in TERMINAL


def set_instructions(
    *, session: Session, shipment: Shipment, safe_place: str, instructions: str
) -> None:
    if not may_edit_instructions(shipment):
        raise Conflict(f"the shipment is {LABELS[shipment.status].lower()}: nothing to change")
    if safe_place not in SAFE_PLACES:
        raise InvalidInput("safe_place", f"{safe_place!r} is not one of the offered places")
    text = instructions.strip()
    if len(text) > MAX_INSTRUCTIONS:
        raise InvalidInput("instructions", f"is {len(text)} characters: at most {MAX_INSTRUCTIONS}")
    if safe_place == "custom" and not text:
        raise InvalidInput("instructions", "describe the safe place you chose")
    shipment.safe_place = safe_place or None
    shipment.instructions = text or None
    session.flush()


@dataclass(frozen=True, slots=True)
class DayChoice:
    day: date
    windows: tuple[tuple[str, str], ...]


def reschedule_refusal(shipment: Shipment) -> str | None:
    """Why this shipment cannot be moved to another day now, or None when it can."""
    if shipment.status not in RESCHEDULABLE:
        return f"It is {LABELS[shipment.status].lower()}, so the day can no longer be changed here."
    if shipment.status in (Status.CREATED, Status.AT_HUB) and shipment.driver_id is not None:
        return "It is already planned onto a driver's route, so the day can no longer be changed."
    return None


@dataclass(frozen=True, slots=True)
class HubDays:
    """When the shipment's hub delivers: its clock (windows and the cut-off are read on it, as
    the page shows them) and its opening hours (none listed: any time of every day)."""

    zone: ZoneInfo
    hours: tuple[tuple[str, str, str], ...] = ()
    """(weekday, opens, closes) spans; a weekday without one is closed, unless none has any."""

    @property
    def open_weekdays(self) -> frozenset[str]:
        """The weekdays with opening hours (empty: every day)."""
        return frozenset(weekday for weekday, _, _ in self.hours)

    def opens_on(self, day: date) -> bool:
        return not self.open_weekdays or WEEKDAYS[day.weekday()] in self.open_weekdays

    def windows_on(
        self, day: date, windows: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, str], ...]:
        """The windows that meet the hub's hours that day (all of them without hours).

        >>> days = HubDays(ZoneInfo("UTC"), (("mon", "18:45", "22:45"),))
        >>> days.windows_on(date(2026, 12, 7), (("08:00", "12:00"), ("16:00", "20:00")))
        (('16:00', '20:00'),)
        """
        weekday = WEEKDAYS[day.weekday()]
        spans = [(opens, closes) for on, opens, closes in self.hours if on == weekday]
        if not spans:
            return windows
        return tuple(
            (start, end)
            for start, end in windows
            if any(start < closes and opens < end for opens, closes in spans)
        )


def reschedule_days(rules: OrgRules, now: datetime, hub: HubDays) -> list[DayChoice]:
    """Days open for rescheduling: from tomorrow on, the days the hub opens, each until the
    cut-off the day before (at the hub's clock), with the windows that meet its hours."""
    local_now = now.astimezone(hub.zone)
    days: list[DayChoice] = []
    for ahead in range(1, rules.reschedule_days_ahead + 1):
        day = local_now.date() + timedelta(days=ahead)
        closes = datetime.combine(day - timedelta(days=1), rules.cutoff, hub.zone)
        windows = hub.windows_on(day, rules.reschedule_windows)
        if local_now < closes and windows and hub.opens_on(day):
            days.append(DayChoice(day=day, windows=windows))
    return days


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("date", f"{value!r} is not a date such as 2026-11-25") from None


def _utc(day: date, clock: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), zone).astimezone(UTC)


def reschedule(
    *,
    session: Session,
    shipment: Shipment,
    rules: OrgRules,
    hub: HubDays,
    day: str,
    window: str,
    now: datetime,
) -> None:
    """Move the promised day and window, both as the page offered them at the hub's clock.

    Past creation, the timeline records it as a repeat of the current status with the
    recipient's note (a repeat is a scan, not a change); `created` cannot be repeated.
    """
    refusal = reschedule_refusal(shipment)
    if refusal is not None:
        raise Conflict(refusal)
    chosen = _parse_day(day)
    open_days = {choice.day: choice for choice in reschedule_days(rules, now, hub)}
    if chosen not in open_days:
        raise InvalidInput(
            "date",
            f"{chosen:%A %d %B} is not open for delivery: choose one of the days offered",
        )
    offered = {f"{start}-{end}": (start, end) for start, end in open_days[chosen].windows}
    if window not in offered:
        raise InvalidInput("window", f"{window!r} is not one of the offered windows")
    start, end = offered[window]
    shipment.delivery_date = chosen
    shipment.window_start = _utc(chosen, start, hub.zone)
    shipment.window_end = _utc(chosen, end, hub.zone)
    if shipment.status is Status.CREATED:
        return
    note = f"Rescheduled by the recipient to {chosen:%a %d %b}, {start} to {end}"
    reason = "rescheduled by the recipient" if shipment.status is Status.ATTEMPTED else None
    append_event(
        session=session,
        shipment=shipment,
        status=shipment.status,
        actor=ACTOR,
        at=now,
        note=note,
        reason=reason,
    )
