"""The Twilio-compatible SMS adapter against a real local HTTP server speaking the same API."""

import json
import uuid

import pytest
from tests.notify.receivers import Received, Recorder, basic_auth, form, serve

from lastmile.notify.channels.twilio import TwilioSender
from lastmile.notify.types import Channel, Rendered, SendError

pytestmark = pytest.mark.anyio

SID = "AC0123456789abcdef0123456789abcdef"


def _sms() -> Rendered:
    return Rendered(
        message_id=uuid.uuid4(),
        channel=Channel.SMS,
        recipient="+358401234567",
        idempotency_key="status:abc:1:sms",
        body="Your parcel is out for delivery",
    )


def _created(request: Received) -> bytes:
    return json.dumps({"sid": "SM" + "1" * 32, "status": "queued"}).encode()


async def test_posts_the_form_with_basic_auth_and_reads_the_sid() -> None:
    with serve(Recorder(answer=lambda r, q: 201, reply_body=_created)) as provider:
        sender = TwilioSender(
            base_url=provider.url, account_sid=SID, auth_token="tok", sender="Lastmile", timeout_s=5
        )
        result = await sender.send(_sms())
        await sender.close()
        [request] = provider.wait_for(1)
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert basic_auth(request) == (SID, "tok")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {
        "To": "+358401234567",
        "From": "Lastmile",
        "Body": "Your parcel is out for delivery",
    }
    assert result.provider_id == "SM" + "1" * 32
    assert result.status_code == 201


@pytest.mark.parametrize(("status", "retry"), [(429, True), (503, True), (400, False)])
async def test_errors_say_whether_to_retry(status: int, retry: bool) -> None:
    def reply(request: Received) -> bytes:
        return json.dumps({"code": 21211, "message": "The 'To' number is not valid."}).encode()

    with serve(Recorder(answer=lambda r, q: status, reply_body=reply)) as provider:
        sender = TwilioSender(
            base_url=provider.url, account_sid=SID, auth_token="tok", sender="X", timeout_s=5
        )
        with pytest.raises(SendError) as caught:
            await sender.send(_sms())
        await sender.close()
    assert caught.value.retry is retry
    assert caught.value.status_code == status
    assert "not valid" in str(caught.value)
    assert "tok" not in str(caught.value)


async def test_an_unreachable_provider_is_retried_later() -> None:
    with serve(Recorder()) as provider:
        url = provider.url
    sender = TwilioSender(base_url=url, account_sid=SID, auth_token="tok", sender="X", timeout_s=2)
    with pytest.raises(SendError) as caught:
        await sender.send(_sms())
    await sender.close()
    assert caught.value.retry is True
