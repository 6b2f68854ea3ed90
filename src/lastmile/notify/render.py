"""Turning an outbox message into text for its channel: Jinja2 templates per locale."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from lastmile.notify.models import OutboxMessage
from lastmile.notify.types import WEBHOOK_DATA, Channel, Rendered

TEMPLATES = Path(__file__).parent / "templates"
FALLBACK_LOCALE = "en"


def _local_time(value: str | None, zone: str) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(zone)).strftime("%H:%M")


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = _local_time
    return env


_ENV = make_environment()


def template_name(*, locale: str, template: str, channel: Channel) -> str:
    """The template file for the locale, falling back to English when it has none."""
    for candidate in (locale, FALLBACK_LOCALE):
        name = f"{candidate}/{template}.{channel.value}.j2"
        if (TEMPLATES / name).is_file():
            return name
    raise TemplateNotFound(f"{locale}/{template}.{channel.value}.j2")


ADDRESS_EVENT_PREFIX = "address."
"""Events about a shipment's address: its quality score and reasons, for the merchant."""


def links(context: dict[str, Any], public_url: str) -> dict[str, str]:
    if "tracking_token" not in context:
        return {"control_tower_url": f"{public_url.rstrip('/')}/control-tower"}
    base = f"{public_url.rstrip('/')}/t/{context['tracking_token']}"
    return {
        "tracking_url": base,
        "feedback_url": f"{base}/feedback",
        "reschedule_url": f"{base}/reschedule",
    }


def render_text(
    message: OutboxMessage, *, public_url: str, unsubscribe_url: str
) -> tuple[str, str | None]:
    """(body, subject) of an SMS or email; the subject is the template's `subject` variable."""
    name = template_name(locale=message.locale, template=message.template, channel=message.channel)
    template = _ENV.get_template(name)
    values = {
        **message.context,
        **links(message.context, public_url),
        "unsubscribe_url": unsubscribe_url,
    }
    body = template.render(values).strip()
    subject = getattr(template.make_module(values), "subject", None)
    return body, (str(subject).strip() if subject is not None else None)


def webhook_body(message: OutboxMessage, *, public_url: str) -> str:
    """The JSON a merchant receives; stable keys, no customer contact details."""
    context = message.context
    if message.event.startswith(ADDRESS_EVENT_PREFIX):
        return _address_body(message, public_url=public_url)
    if WEBHOOK_DATA in context:  # queued by `outbox.queue_webhook`: its data as written
        return _own_body(message)
    payload = {
        "id": str(message.id),
        "type": f"shipment.{message.event}",
        "created_at": message.created_at.isoformat(),
        "data": {
            "shipment_id": context["shipment_id"],
            "tracking_number": context["tracking_number"],
            "reference": context.get("reference"),
            "status": context.get("status"),
            "at": context.get("at"),
            "reason": context.get("reason"),
            "eta": context.get("eta"),
            "eta_window_end": context.get("eta_end"),
            "tracking_url": links(context, public_url)["tracking_url"],
        },
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def _own_body(message: OutboxMessage) -> str:
    """An event that wrote its own `data` when it was queued (`charge.created`,
    `invoice.issued`, `alert.opened`)."""
    payload = {
        "id": str(message.id),
        "type": message.event,
        "created_at": message.created_at.isoformat(),
        "data": message.context[WEBHOOK_DATA],
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def _address_body(message: OutboxMessage, *, public_url: str) -> str:
    context = message.context
    payload = {
        "id": str(message.id),
        "type": message.event,
        "created_at": message.created_at.isoformat(),
        "data": {
            "shipment_id": context["shipment_id"],
            "tracking_number": context["tracking_number"],
            "reference": context.get("reference"),
            "score": context.get("score"),
            "threshold": context.get("threshold"),
            "reasons": context.get("reasons", []),
            "tracking_url": links(context, public_url)["tracking_url"],
        },
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def push_payload(message: OutboxMessage, *, public_url: str) -> str:
    """The JSON the tracking page's service worker shows: title, text, and the page to open."""
    body, title = render_text(message, public_url=public_url, unsubscribe_url="")
    payload = {
        "title": title or message.context["tracking_number"],
        "body": body,
        "url": links(message.context, public_url)["tracking_url"],
        "tag": f"lastmile-{message.context['shipment_id']}",
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def render(
    message: OutboxMessage,
    *,
    public_url: str,
    unsubscribe_url: str,
    secret: str | None = None,
    push_keys: dict[str, str] | None = None,
) -> Rendered:
    if message.channel is Channel.PUSH:
        return Rendered(
            message_id=message.id,
            channel=message.channel,
            recipient=message.recipient,
            idempotency_key=message.idempotency_key,
            body=push_payload(message, public_url=public_url),
            push_keys=push_keys,
        )
    if message.channel is Channel.WEBHOOK:
        return Rendered(
            message_id=message.id,
            channel=message.channel,
            recipient=message.recipient,
            idempotency_key=message.idempotency_key,
            body=webhook_body(message, public_url=public_url),
            secret=secret,
        )
    body, subject = render_text(message, public_url=public_url, unsubscribe_url=unsubscribe_url)
    headers = (
        {"List-Unsubscribe": f"<{unsubscribe_url}>"} if message.channel is Channel.EMAIL else {}
    )
    return Rendered(
        message_id=message.id,
        channel=message.channel,
        recipient=message.recipient,
        idempotency_key=message.idempotency_key,
        body=body,
        subject=subject,
        headers=headers,
    )
