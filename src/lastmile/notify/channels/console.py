"""The embedded default: print SMS and email on the console instead of sending them."""

import sys
from typing import TextIO

from lastmile.notify.types import Rendered, SendResult


def mask(address: str) -> str:
    """Enough of a phone number or email address to recognise it, no more.

    >>> mask("+358401234567")
    '+358*******67'
    >>> mask("aino@example.fi")
    'a***@example.fi'
    """
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return address[:4] + "*" * max(len(address) - 6, 0) + address[-2:]


class ConsoleSender:
    """Writes each message to a stream (standard output by default), the recipient masked."""

    def __init__(self, channel: str, stream: TextIO | None = None) -> None:
        self.channel = channel
        self.stream = stream

    async def send(self, message: Rendered) -> SendResult:
        subject = f"{message.subject} | " if message.subject else ""
        line = f"[{self.channel} to {mask(message.recipient)}] {subject}{message.body}"
        stream = self.stream or sys.stdout
        stream.write(line.replace("\n", " / ") + "\n")
        stream.flush()
        return SendResult()

    async def close(self) -> None:
        return None
