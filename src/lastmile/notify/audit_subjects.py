"""How webhooks, notification rules and opt-outs are named in the audit log (a webhook by host
and description: a URL's path or query may carry a secret; an opt-out by its masked address)."""

from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from lastmile.audit.types import Subject, SubjectType
from lastmile.notify.channels.console import mask
from lastmile.notify.models import OptOut, WebhookEndpoint
from lastmile.notify.rules import Rule


def webhook(row: WebhookEndpoint) -> Subject:
    """Named by its host and description: a URL's path or query may carry a secret."""
    host = urlsplit(row.url).hostname or "?"
    label = f"{host} ({row.description})" if row.description else host
    return Subject(SubjectType.WEBHOOK, str(row.id), label)


def notification_rule(rule: Rule) -> Subject:
    key = f"{rule.event.value}/{rule.channel.value}"
    return Subject(SubjectType.NOTIFICATION_RULE, key, key)


def rule_fields(rule: Rule) -> dict[str, Any]:
    fields = asdict(rule)
    for name in ("event", "channel", "customised"):
        fields.pop(name)
    return fields


def opt_out(row: OptOut) -> Subject:
    """`SMS +358*******67`: enough to recognise the recipient, as the console channel shows it."""
    return Subject(
        SubjectType.OPT_OUT, str(row.id), f"{row.channel.value.upper()} {mask(row.address)}"
    )
