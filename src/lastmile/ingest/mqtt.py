"""OwnTracks over MQTT: subscribe to `owntracks/+/+`, store each fix, then acknowledge it.

The session is persistent (fixed client id, clean_session off) and every message is
acknowledged by hand only once its fix is committed, so a crash between receipt and storage
makes the broker deliver it again instead of losing it.
"""

import asyncio
import logging
from collections import Counter
from urllib.parse import urlsplit

import aiomqtt

from lastmile.db import utcnow
from lastmile.errors import LastmileError
from lastmile.ingest.pipeline import Ingestor
from lastmile.ingest.protocols.owntracks import decode_owntracks, parse_owntracks_topic

log = logging.getLogger(__name__)

TOPIC = "owntracks/+/+"
RECONNECT_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def client_for(url: str, *, identifier: str) -> aiomqtt.Client:
    """An MQTT client for `mqtt://[user:password@]host[:port]`."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError(f"LASTMILE_MQTT_URL is {url!r}: use mqtt://host:1883")
    return aiomqtt.Client(
        hostname=parts.hostname,
        port=parts.port or 1883,
        username=parts.username,
        password=parts.password,
        identifier=identifier,
        clean_session=False,
    )


class OwnTracksListener:
    def __init__(
        self,
        *,
        url: str,
        ingestor: Ingestor,
        max_future_s: float,
        identifier: str = "lastmile-ingest",
        topic: str = TOPIC,
    ) -> None:
        self.url = url
        self.ingestor = ingestor
        self.max_future_s = max_future_s
        self.identifier = identifier
        self.topic = topic
        self.counters: Counter[str] = Counter()
        self.subscribed = asyncio.Event()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with back-off when the broker goes away."""
        failures = 0
        while True:
            try:
                await self._listen()
            except aiomqtt.MqttError as error:
                log.warning("MQTT connection lost: %s", error)
            except Exception:
                # Storage failed: the message stays unacknowledged, and the broker redelivers it.
                self.counters["listener_error"] += 1
                log.exception("OwnTracks listener failed; reconnecting")
            self.subscribed.clear()
            delay = RECONNECT_S[min(failures, len(RECONNECT_S) - 1)]
            failures += 1
            await asyncio.sleep(delay)

    async def _listen(self) -> None:
        client = client_for(self.url, identifier=self.identifier)
        # aiomqtt has no manual acknowledgement of its own: switch it on in paho underneath.
        client._client.manual_ack_set(True)
        async with client:
            await client.subscribe(self.topic, qos=1)
            self.subscribed.set()
            log.info("listening for OwnTracks on %s", self.topic)
            async for message in client.messages:
                await self._handle(message)
                if message.qos > 0:
                    client._client.ack(message.mid, message.qos)

    async def _handle(self, message: aiomqtt.Message) -> None:
        """Store one message's fix; a bad payload is counted and dropped (acknowledged)."""
        payload = message.payload
        if not isinstance(payload, bytes | bytearray | str):
            self.counters["bad_payload"] += 1
            return
        try:
            user, device = parse_owntracks_topic(str(message.topic))
            fix = decode_owntracks(
                bytes(payload) if not isinstance(payload, str) else payload,
                user=user,
                device=device,
                now=utcnow(),
                max_future_s=self.max_future_s,
            )
            if fix is None:
                self.counters["ignored"] += 1
                return
            await self.ingestor.ingest_device([fix])
            self.counters["stored"] += 1
        except LastmileError as error:
            self.counters[type(error).__name__] += 1
            log.info("OwnTracks message on %s refused: %s", message.topic, error)
