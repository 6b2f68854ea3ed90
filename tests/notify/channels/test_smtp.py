"""Email over SMTP, received by a real aiosmtpd server on a free port."""

import uuid
from collections.abc import Iterator

import pytest
from tests.notify.mailserver import Inbox, free_port, smtp_inbox

from lastmile.notify.channels.smtp import SmtpSender
from lastmile.notify.types import Channel, Rendered, SendError

pytestmark = pytest.mark.anyio


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_inbox() as served:
        yield served


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
        await _sender(free_port()).send(_mail())
    assert caught.value.retry is True
