"""The one interface every channel implements."""

from typing import Protocol

from lastmile.notify.types import Rendered, SendResult


class Sender(Protocol):
    """Sends one rendered message; raises SendError (retryable or not) when it fails."""

    async def send(self, message: Rendered) -> SendResult: ...

    async def close(self) -> None: ...
