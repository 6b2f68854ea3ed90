"""Browser push through a real local push service: VAPID checked, the body decrypted."""

import json
import uuid
from collections.abc import Iterator

import http_ece
import pytest
from tests.notify.push_service import PushService, Subscriber, push_service, vapid_claims

from lastmile.config import Settings
from lastmile.notify.channels.push import PushSender
from lastmile.notify.types import Channel, Rendered, SendError
from lastmile.notify.vapid import load_keys

pytestmark = pytest.mark.anyio


@pytest.fixture
def service() -> Iterator[PushService]:
    with push_service() as service:
        yield service


def rendered(subscriber: Subscriber, payload: dict[str, str]) -> Rendered:
    keys = subscriber.to_json()["keys"]
    return Rendered(
        message_id=uuid.uuid4(),
        channel=Channel.PUSH,
        recipient=subscriber.endpoint,
        idempotency_key="status:1:push:1",
        body=json.dumps(payload),
        push_keys=keys,
    )


async def test_the_push_is_signed_with_our_vapid_key_and_readable_only_by_the_browser(
    settings: Settings, service: PushService
) -> None:
    keys = load_keys(settings)
    sender = PushSender(keys=keys, ttl_s=3600, timeout_s=5)
    subscriber = service.subscriber()
    payload = {"title": "Out for delivery", "body": "Parcel LM1 is on its way", "url": "x"}
    try:
        result = await sender.send(rendered(subscriber, payload))
    finally:
        await sender.close()

    assert result.status_code == 201
    [request] = service.recorder.wait_for(1)
    assert request.path == subscriber.endpoint.removeprefix(service.origin)
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["ttl"] == "3600"
    claims, signer = vapid_claims(request, origin=service.origin)
    assert signer == keys.public_key
    assert claims["sub"] == "mailto:no-reply@localhost"
    assert subscriber.decrypt(request.raw) == payload
    assert b"Parcel LM1" not in request.raw
    with pytest.raises(http_ece.ECEException):  # another browser's key cannot read it
        Subscriber(endpoint=subscriber.endpoint, auth=subscriber.auth).decrypt(request.raw)


@pytest.mark.parametrize(("status", "retry"), [(410, False), (404, False), (503, True)])
async def test_refusals_say_whether_to_retry(
    settings: Settings, service: PushService, status: int, retry: bool
) -> None:
    service.status = status
    sender = PushSender(keys=load_keys(settings), ttl_s=60, timeout_s=5)
    try:
        with pytest.raises(SendError) as raised:
            await sender.send(rendered(service.subscriber(), {"title": "t", "body": "b"}))
    finally:
        await sender.close()
    assert raised.value.status_code == status
    assert raised.value.retry is retry


async def test_an_unreachable_push_service_is_retried(settings: Settings) -> None:
    with push_service() as gone:
        subscriber = gone.subscriber()
    sender = PushSender(keys=load_keys(settings), ttl_s=60, timeout_s=5)
    try:
        with pytest.raises(SendError) as raised:
            await sender.send(rendered(subscriber, {"title": "t", "body": "b"}))
    finally:
        await sender.close()
    assert raised.value.retry is True
    assert raised.value.status_code is None
