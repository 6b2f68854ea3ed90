"""The senders the settings ask for: console by default, real providers when configured."""

from lastmile.config import Settings
from lastmile.errors import InsecureSettings
from lastmile.notify.channels.base import Sender
from lastmile.notify.channels.console import ConsoleSender
from lastmile.notify.channels.push import PushSender
from lastmile.notify.channels.smtp import SmtpSender
from lastmile.notify.channels.twilio import TwilioSender
from lastmile.notify.channels.webhook import WebhookSender
from lastmile.notify.types import Channel
from lastmile.notify.vapid import load_keys


def _sms(settings: Settings) -> Sender:
    if settings.sms_provider == "console":
        return ConsoleSender("sms")
    if not settings.twilio_account_sid or settings.twilio_auth_token is None:
        raise InsecureSettings(
            "LASTMILE_SMS_PROVIDER=twilio needs LASTMILE_TWILIO_ACCOUNT_SID "
            "and LASTMILE_TWILIO_AUTH_TOKEN"
        )
    return TwilioSender(
        base_url=settings.twilio_base_url,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        sender=settings.sms_from,
        timeout_s=settings.notify_send_timeout_s,
    )


def _email(settings: Settings) -> Sender:
    if not settings.smtp_host:
        return ConsoleSender("email")
    return SmtpSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.email_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        timeout_s=settings.notify_send_timeout_s,
    )


def build_senders(settings: Settings) -> dict[Channel, Sender]:
    return {
        Channel.SMS: _sms(settings),
        Channel.EMAIL: _email(settings),
        Channel.WEBHOOK: WebhookSender(
            timeout_s=settings.notify_send_timeout_s,
            allow_private=settings.webhook_allow_private,
        ),
        Channel.PUSH: PushSender(
            keys=load_keys(settings),
            ttl_s=settings.push_ttl_s,
            timeout_s=settings.notify_send_timeout_s,
        ),
    }
