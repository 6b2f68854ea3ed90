"""Templates per locale with an English fallback; links built from the public URL."""

import uuid
from datetime import UTC, datetime

import pytest

from lastmile.notify.models import OutboxMessage
from lastmile.notify.render import TEMPLATES, render, template_name
from lastmile.notify.types import Channel, Event


def _message(channel: Channel, event: Event, locale: str, **extra: object) -> OutboxMessage:
    context = {
        "shipment_id": str(uuid.uuid4()),
        "tracking_number": "ABC123",
        "tracking_token": "tok-en",
        "reference": None,
        "recipient_name": "Aino",
        "status": "out_for_delivery",
        "timezone": "Europe/Helsinki",
        "window_start": None,
        "window_end": None,
        "at": "2026-11-24T08:00:00+00:00",
        "reason": None,
        **extra,
    }
    return OutboxMessage(
        id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        event=event.value,
        channel=channel,
        recipient="+358401234567",
        locale=locale,
        template=event.value,
        context=context,
        idempotency_key="k",
        created_at=datetime(2026, 11, 24, tzinfo=UTC),
    )


EXTRA = {
    Event.DELAYED: {"new_window_end": "2026-11-24T11:30:00+00:00"},
    Event.ARRIVING: {"eta": "2026-11-24T10:05:00+00:00"},
}


@pytest.mark.parametrize("locale", ["en", "fi"])
@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL])
@pytest.mark.parametrize("event", list(Event))
def test_every_event_renders_in_every_locale(locale: str, channel: Channel, event: Event) -> None:
    assert (TEMPLATES / locale / f"{event.value}.{channel.value}.j2").is_file()
    message = _message(channel, event, locale, **EXTRA.get(event, {}))
    rendered = render(message, public_url="https://lm.example/", unsubscribe_url="https://u")
    assert "ABC123" in rendered.body
    assert "https://lm.example/t/tok-en" in rendered.body
    assert (rendered.subject is not None) == (channel is Channel.EMAIL)


def test_the_link_fits_the_event_and_times_are_local() -> None:
    def body(event: Event, **extra: object) -> str:
        message = _message(Channel.SMS, event, "en", **extra)
        return render(message, public_url="https://lm.example", unsubscribe_url="u").body

    assert "https://lm.example/t/tok-en/feedback" in body(Event.DELIVERED)
    assert "https://lm.example/t/tok-en/reschedule" in body(Event.ATTEMPTED, reason="closed")
    assert "(closed)" in body(Event.ATTEMPTED, reason="closed")
    assert "13:30" in body(Event.DELAYED, **EXTRA[Event.DELAYED])  # 11:30 UTC in Helsinki
    assert "12:05" in body(Event.ARRIVING, **EXTRA[Event.ARRIVING])


def test_an_unknown_locale_falls_back_to_english() -> None:
    name = template_name(locale="sv", template="delivered", channel=Channel.SMS)
    assert name == "en/delivered.sms.j2"
    assert template_name(locale="fi", template="delivered", channel=Channel.SMS).startswith("fi/")
