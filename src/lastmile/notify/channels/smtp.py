"""Email over SMTP; the standard library's client runs in a thread."""

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from lastmile.notify.types import Rendered, SendError, SendResult


def build_email(message: Rendered, *, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject or ""
    email["Message-ID"] = make_msgid(idstring=str(message.message_id))
    email["X-Lastmile-Idempotency-Key"] = message.idempotency_key
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.body)
    return email


class SmtpSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None,
        password: str | None,
        starttls: bool,
        timeout_s: float,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout_s = timeout_s

    def _send_now(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as client:
            if self.starttls:
                client.starttls()
            if self.username and self.password:
                client.login(self.username, self.password)
            client.send_message(email)

    async def send(self, message: Rendered) -> SendResult:
        email = build_email(message, sender=self.sender)
        try:
            await asyncio.to_thread(self._send_now, email)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendError(f"recipient refused: {error.recipients}", retry=False) from None
        except smtplib.SMTPResponseException as error:
            raise SendError(
                f"SMTP {error.smtp_code}", retry=error.smtp_code < 500, status_code=error.smtp_code
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(
                f"SMTP server unreachable: {type(error).__name__}", retry=True
            ) from None
        return SendResult(status_code=250, provider_id=email["Message-ID"])

    async def close(self) -> None:
        return None
