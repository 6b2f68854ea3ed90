"""Which events send which messages: built-in defaults, overridden per organisation."""

import uuid
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.notify.models import NotificationRule
from lastmile.notify.types import Channel, Event

CUSTOMER_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.PUSH)


@dataclass(frozen=True, slots=True)
class Rule:
    """The rule in force for one (event, channel); `customised` if the organisation set it."""

    event: Event
    channel: Channel
    enabled: bool
    template: str
    minutes_before: int | None = None
    stops_away: int | None = None
    customised: bool = False


def _default(event: Event, channel: Channel) -> Rule:
    enabled = not (event is Event.ARRIVING and channel is Channel.EMAIL)
    if event is Event.ARRIVING:
        return Rule(event, channel, enabled, event.value, minutes_before=15, stops_away=2)
    return Rule(event, channel, enabled, event.value)


DEFAULT_RULES: tuple[Rule, ...] = tuple(
    _default(event, channel) for event in Event for channel in CUSTOMER_CHANNELS
)


def effective_rules(*, session: Session, org_id: uuid.UUID) -> list[Rule]:
    """Every (event, channel) with the organisation's overrides applied to the defaults."""
    stored = {
        (row.event, row.channel): row
        for row in session.scalars(
            select(NotificationRule).where(NotificationRule.org_id == org_id)
        )
    }
    rules = []
    for default in DEFAULT_RULES:
        row = stored.get((default.event.value, default.channel))
        if row is None:
            rules.append(default)
            continue
        rules.append(
            replace(
                default,
                enabled=row.enabled,
                template=row.template or default.template,
                minutes_before=row.minutes_before,
                stops_away=row.stops_away,
                customised=True,
            )
        )
    return rules


def rules_for(*, session: Session, org_id: uuid.UUID, event: Event) -> list[Rule]:
    return [r for r in effective_rules(session=session, org_id=org_id) if r.event is event]
