"""Webhooks to merchant endpoints, signed with HMAC-SHA256 over the timestamp and the body."""

import asyncio
import hashlib
import hmac
import ssl
import time
from collections import OrderedDict

import httpx

from lastmile.errors import InvalidInput
from lastmile.notify.types import Rendered, SendError, SendResult
from lastmile.notify.webhook_url import Resolver, UnresolvableHost, check_url, system_resolver

SIGNATURE_HEADER = "Lastmile-Signature"
TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: str) -> str:
    """The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.

    >>> sign("whsec_test", 1700000000, '{"a":1}')[:15]
    't=1700000000,v1'
    """
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, header: str, body: str, *, now: float, tolerance_s: int = TOLERANCE_S
) -> bool:
    """What a receiver does: the signature matches and is recent (refuses replays)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, f"t={timestamp},v1={parts.get('v1', '')}")


MAX_TLS_CLIENTS = 256


class WebhookSender:
    """Posts to the address the URL was checked on (resolved once per send), never redirected.

    Connections are pooled by address, so https endpoints get a client per host name: a TLS
    connection opened for one name (its SNI and certificate) is never reused for another name
    that happens to share the address, as names behind one CDN do.
    """

    def __init__(
        self,
        *,
        timeout_s: float,
        allow_private: bool = False,
        resolve: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.timeout_s = timeout_s
        self.verify = verify
        self.client = self._new_client()
        self.allow_private = allow_private
        self.resolve = resolve
        self._tls_clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False, verify=self.verify)

    async def _client_for(self, scheme: str, host: str) -> httpx.AsyncClient:
        if scheme != "https":
            return self.client
        client = self._tls_clients.get(host)
        if client is None:
            client = self._tls_clients[host] = self._new_client()
            while len(self._tls_clients) > MAX_TLS_CLIENTS:
                _, oldest = self._tls_clients.popitem(last=False)
                await oldest.aclose()
        self._tls_clients.move_to_end(host)
        return client

    async def send(self, message: Rendered) -> SendResult:
        if message.secret is None:
            raise SendError("the webhook endpoint has no secret", retry=False)
        try:
            target = await asyncio.to_thread(
                check_url, message.recipient, allow_private=self.allow_private, resolve=self.resolve
            )
        except UnresolvableHost as error:
            raise SendError(str(error), retry=True) from None
        except InvalidInput as error:
            raise SendError(f"refused: {error}", retry=False) from None
        url = httpx.URL(message.recipient)
        host = url.raw_host.decode("ascii")
        pinned = target.address != target.host
        extensions = {"sni_hostname": host} if target.scheme == "https" and pinned else {}
        client = await self._client_for(target.scheme, host)
        headers = {
            "Host": url.netloc.decode("ascii"),
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(message.secret, int(time.time()), message.body),
            "Idempotency-Key": message.idempotency_key,
            "User-Agent": "Lastmile-Webhooks/1",
        }
        try:
            response = await client.post(
                url.copy_with(host=target.address),
                content=message.body.encode(),
                headers=headers,
                extensions=extensions,
            )
        except httpx.TransportError as error:
            raise SendError(f"endpoint unreachable: {type(error).__name__}", retry=True) from None
        if 200 <= response.status_code < 300:
            return SendResult(status_code=response.status_code)
        raise SendError(
            f"endpoint answered {response.status_code}",
            retry=response.status_code != 410,
            status_code=response.status_code,
        )

    async def close(self) -> None:
        await self.client.aclose()
        while self._tls_clients:
            _, client = self._tls_clients.popitem()
            await client.aclose()
