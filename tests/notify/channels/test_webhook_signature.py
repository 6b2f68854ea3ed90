"""The webhook signature a merchant checks: HMAC-SHA256 over `timestamp.body`."""

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from lastmile.notify.channels.webhook import sign, verify

SECRET = "whsec_abc"


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = '{"type":"shipment.delivered"}'
    expected = hmac.new(SECRET.encode(), f"1700000000.{body}".encode(), hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, body) == f"t=1700000000,v1={expected}"


@given(body=st.text(max_size=200), other=st.text(min_size=1, max_size=20))
def test_verify_accepts_only_the_same_body_secret_and_a_recent_time(body: str, other: str) -> None:
    header = sign(SECRET, 1700000000, body)
    assert verify(SECRET, header, body, now=1700000100)
    assert not verify(SECRET, header, body + other, now=1700000100)
    # HMAC pads a short key with zero bytes, so a secret with NULs added is the same key (our
    # secrets are generated, never typed); any other addition is another secret.
    if other.strip("\x00"):
        assert not verify(SECRET + other, header, body, now=1700000100)
    else:
        assert verify(SECRET + other, header, body, now=1700000100)
    assert not verify(SECRET, header, body, now=1700000000 + 301)


def test_a_forged_or_malformed_header_fails() -> None:
    body = "{}"
    assert not verify(SECRET, "t=1700000000,v1=" + "0" * 64, body, now=1700000000)
    assert not verify(SECRET, "v1=abc", body, now=1700000000)
    assert not verify(SECRET, "t=soon,v1=abc", body, now=1700000000)
