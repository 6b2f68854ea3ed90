"""The webhook sender: the SSRF guard again at send time, on the address it then connects to."""

import secrets
import shutil
import ssl
import subprocess
import uuid
from pathlib import Path

import pytest
from testkit.services import service_unavailable
from tests.notify.receivers import Recorder, serve

from lastmile.notify.channels.webhook import WebhookSender
from lastmile.notify.types import Channel, Rendered, SendError

SECRET = "whsec_" + secrets.token_hex(8)


def message(url: str) -> Rendered:
    return Rendered(
        message_id=uuid.uuid4(),
        channel=Channel.WEBHOOK,
        recipient=url,
        idempotency_key="k1",
        body='{"type":"shipment.delivered"}',
        secret=SECRET,
    )


@pytest.mark.anyio
async def test_by_default_a_local_endpoint_is_refused_and_never_contacted() -> None:
    with serve(Recorder()) as merchant:
        sender = WebhookSender(timeout_s=5)
        try:
            with pytest.raises(SendError) as refused:
                await sender.send(message(merchant.url + "/hook"))
        finally:
            await sender.close()
        assert not refused.value.retry
        assert "loopback" in str(refused.value)
        assert merchant.requests == []


@pytest.mark.anyio
async def test_a_name_that_now_resolves_inside_is_refused_at_send_time() -> None:
    # Registered while it pointed outside; the DNS answer changed since (rebinding).
    sender = WebhookSender(timeout_s=5, resolve=lambda host, port: ["10.0.0.8"])
    try:
        with pytest.raises(SendError) as refused:
            await sender.send(message("https://merchant.example/hook"))
    finally:
        await sender.close()
    assert not refused.value.retry
    assert "10.0.0.8" in str(refused.value)


@pytest.mark.anyio
async def test_the_sender_connects_to_the_address_it_checked_and_keeps_the_host() -> None:
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    with serve(Recorder()) as merchant:
        port = merchant.url.rsplit(":", 1)[1]
        sender = WebhookSender(timeout_s=5, allow_private=True, resolve=resolve)
        try:
            result = await sender.send(message(f"http://merchant.invalid:{port}/hook"))
        finally:
            await sender.close()
        (received,) = merchant.wait_for(1)
    assert result.status_code == 200
    assert calls == ["merchant.invalid"]
    assert received.path == "/hook"
    assert received.headers["host"] == f"merchant.invalid:{port}"


@pytest.mark.anyio
async def test_an_unresolvable_host_is_tried_again_later() -> None:
    def resolve(host: str, port: int) -> list[str]:
        raise OSError("temporary failure in name resolution")

    sender = WebhookSender(timeout_s=5, resolve=resolve)
    try:
        with pytest.raises(SendError) as failed:
            await sender.send(message("https://merchant.example/hook"))
    finally:
        await sender.close()
    assert failed.value.retry


def test_the_secret_is_not_in_the_message_repr() -> None:
    assert SECRET not in repr(message("https://merchant.example/hook"))


@pytest.fixture
def merchant_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for `merchant.test` only, made with the openssl tool."""
    if shutil.which("openssl") is None:
        service_unavailable("the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=merchant.test",
            "-addext",
            "subjectAltName=DNS:merchant.test",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.anyio
async def test_over_tls_the_pinned_address_is_verified_as_the_urls_host(
    merchant_cert: tuple[Path, Path],
) -> None:
    cert, key = merchant_cert
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    with serve(Recorder(), tls=server_tls) as merchant:
        port = merchant.url.rsplit(":", 1)[1]
        sender = WebhookSender(
            timeout_s=5, allow_private=True, resolve=lambda h, p: ["127.0.0.1"], verify=trust
        )
        try:
            result = await sender.send(message(f"https://merchant.test:{port}/hook"))
            # Same address, another name: its certificate does not cover it, nothing is sent.
            with pytest.raises(SendError) as refused:
                await sender.send(message(f"https://other.test:{port}/hook"))
        finally:
            await sender.close()
        (received,) = merchant.wait_for(1)
    assert result.status_code == 200
    assert received.headers["host"] == f"merchant.test:{port}"
    assert refused.value.retry
