"""SMS through any Twilio-compatible HTTP API (Twilio itself, or a provider that mimics it)."""

import httpx

from lastmile.notify.types import Rendered, SendError, SendResult

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


def message_form(message: Rendered, *, sender: str) -> dict[str, str]:
    """The form fields of Twilio's Create Message call."""
    return {"To": message.recipient, "From": sender, "Body": message.body}


def messages_url(base_url: str, account_sid: str) -> str:
    return f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"


def parse_response(response: httpx.Response) -> SendResult:
    """The provider's message id, or SendError saying whether to retry."""
    if response.status_code in (200, 201):
        sid = response.json().get("sid")
        return SendResult(status_code=response.status_code, provider_id=sid)
    try:
        detail = str(response.json().get("message", ""))[:200]
    except ValueError:
        detail = response.text[:200]
    raise SendError(
        f"SMS provider answered {response.status_code}: {detail}",
        retry=response.status_code in RETRYABLE,
        status_code=response.status_code,
    )


class TwilioSender:
    def __init__(
        self, *, base_url: str, account_sid: str, auth_token: str, sender: str, timeout_s: float
    ) -> None:
        self.url = messages_url(base_url, account_sid)
        self.sender = sender
        self.client = httpx.AsyncClient(auth=(account_sid, auth_token), timeout=timeout_s)

    async def send(self, message: Rendered) -> SendResult:
        try:
            response = await self.client.post(
                self.url,
                data=message_form(message, sender=self.sender),
                headers={"I-Twilio-Idempotency-Token": message.idempotency_key},
            )
        except httpx.TransportError as error:
            raise SendError(
                f"SMS provider unreachable: {type(error).__name__}", retry=True
            ) from None
        return parse_response(response)

    async def close(self) -> None:
        await self.client.aclose()
