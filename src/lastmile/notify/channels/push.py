"""Browser push (Web Push): RFC 8291 aes128gcm encryption and RFC 8292 VAPID, by pywebpush."""

from urllib.parse import urlsplit

import aiohttp
from py_vapid import VapidException
from pywebpush import WebPushException, webpush_async

from lastmile.notify.types import Rendered, SendError, SendResult
from lastmile.notify.vapid import VapidKeys

GONE = frozenset({404, 410})
"""The push service forgot the subscription (the browser unsubscribed or expired): drop it."""
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


def audience(endpoint: str) -> str:
    """The VAPID `aud` claim: the push service's origin.

    >>> audience("https://fcm.googleapis.com/fcm/send/abc:def")
    'https://fcm.googleapis.com'
    """
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def failure(status: int, detail: str) -> SendError:
    """What a push service's refusal means for the outbox: retry, or give up (and why)."""
    if status in GONE:
        return SendError(
            f"push service answered {status}: the subscription is gone",
            retry=False,
            status_code=status,
        )
    return SendError(
        f"push service answered {status}: {detail[:200]}",
        retry=status in RETRYABLE,
        status_code=status,
    )


class PushSender:
    """Encrypts each message for its subscription and posts it to the browser's push service."""

    def __init__(self, *, keys: VapidKeys, ttl_s: int, timeout_s: float) -> None:
        self.keys = keys
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s

    async def send(self, message: Rendered) -> SendResult:
        if not message.push_keys:
            raise SendError("the push subscription has no keys", retry=False)
        subscription = {"endpoint": message.recipient, "keys": dict(message.push_keys)}
        claims: dict[str, str | int] = {
            "sub": self.keys.subject,
            "aud": audience(message.recipient),
        }
        try:
            response = await webpush_async(
                subscription_info=subscription,
                data=message.body,
                vapid_private_key=self.keys.signer,
                vapid_claims=claims,
                ttl=self.ttl_s,
                timeout=self.timeout_s,
                headers={"Urgency": "high"},
            )
        except WebPushException as error:
            status = error.status_code
            if status is None:
                raise SendError(f"push failed: {error.message}", retry=False) from None
            raise failure(status, error.message) from None
        except VapidException:
            raise SendError(
                "the VAPID claims were refused: check LASTMILE_VAPID_SUBJECT", retry=False
            ) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SendError(
                f"push service unreachable: {type(error).__name__}", retry=True
            ) from None
        return SendResult(status_code=response.status, provider_id=response.headers.get("Location"))

    async def close(self) -> None:
        return None
