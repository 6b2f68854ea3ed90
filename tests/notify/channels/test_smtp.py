"""Email over SMTP, received by a real aiosmtpd server on a free port."""

import email
import email.policy
import socket
import uuid
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from lastmile.notify.channels.smtp import SmtpSender
from lastmile.notify.types import Channel, Rendered, SendError

pytestmark = pytest.mark.anyio


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope, parsed))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _mail(to: str = "aino@example.fi") -> Rendered:
    return Rendered(
        message_id=uuid.uuid4(),
        channel=Channel.EMAIL,
        recipient=to,
        idempotency_key="status:abc:7:email",
        subject="Your parcel ABC is out for delivery",
        body="Hei Aino,\n\nlähetyksesi on matkalla.",
        headers={"List-Unsubscribe": "<http://testserver/notify/unsubscribe/x>"},
    )


def _sender(port: int) -> SmtpSender:
    return SmtpSender(
        host="127.0.0.1",
        port=port,
        sender="Lastmile <no-reply@lastmile.test>",
        username=None,
        password=None,
        starttls=False,
        timeout_s=5,
    )


async def test_the_message_arrives_with_subject_body_and_headers(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    await _sender(port).send(_mail())
    [(envelope, message)] = handler.messages
    assert envelope.mail_from == "no-reply@lastmile.test"
    assert envelope.rcpt_tos == ["aino@example.fi"]
    assert message["Subject"] == "Your parcel ABC is out for delivery"
    assert message["X-Lastmile-Idempotency-Key"] == "status:abc:7:email"
    assert message["List-Unsubscribe"] == "<http://testserver/notify/unsubscribe/x>"
    body = message.get_body()
    assert body is not None
    assert "lähetyksesi on matkalla" in body.get_content()


async def test_a_refused_recipient_is_not_retried(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    handler.refuse.add("nobody@example.fi")
    with pytest.raises(SendError) as caught:
        await _sender(port).send(_mail("nobody@example.fi"))
    assert caught.value.retry is False
    assert handler.messages == []


async def test_a_server_that_is_down_is_retried() -> None:
    with pytest.raises(SendError) as caught:
        await _sender(_free_port()).send(_mail())
    assert caught.value.retry is True
