"""The SSRF guard on webhook URLs: scheme, credentials, and the addresses a host resolves to."""

import ipaddress

import pytest

from lastmile.errors import InvalidInput
from lastmile.notify.webhook_url import UnresolvableHost, check_url, refusal


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"{host}: no such name")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.5", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a00:1", "private"),
    ],
)
def test_internal_addresses_are_refused_with_their_kind(address: str, kind: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://merchant.example/h",
        "file:///etc/passwd",
        "gopher://merchant.example/",
        "https://user:pw@merchant.example/h",
        "https://token@merchant.example/h",
        "http://127.0.0.1:8000/h",
        "http://[::1]/h",
        "http://[::ffff:7f00:1]/h",
        "http://169.254.169.254/latest/meta-data/",
        "https://inside.example/h",
        "https://mixed.example/h",
    ],
)
def test_refused_urls_name_the_url_field(url: str) -> None:
    resolve = resolver(
        {
            "merchant.example": ["93.184.215.14"],
            "inside.example": ["10.0.0.7"],
            "mixed.example": ["93.184.215.14", "127.0.0.1"],
        }
    )
    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_private=False, resolve=resolve)
    assert refused.value.field == "url"
    assert not isinstance(refused.value, UnresolvableHost)


def test_a_public_host_is_pinned_to_its_checked_address() -> None:
    resolve = resolver({"merchant.example": ["93.184.215.14"]})
    target = check_url("https://merchant.example:8443/h", allow_private=False, resolve=resolve)
    assert (target.scheme, target.host, target.port, target.address) == (
        "https",
        "merchant.example",
        8443,
        "93.184.215.14",
    )


def test_allowing_private_targets_keeps_the_scheme_and_credential_rules() -> None:
    resolve = resolver({"nas.lan": ["192.168.1.20"]})
    assert check_url("http://nas.lan/h", allow_private=True, resolve=resolve).address == (
        "192.168.1.20"
    )
    for url in ("ftp://nas.lan/h", "http://me:pw@nas.lan/h"):
        with pytest.raises(InvalidInput):
            check_url(url, allow_private=True, resolve=resolve)


def test_a_host_that_does_not_resolve_is_told_apart() -> None:
    with pytest.raises(UnresolvableHost) as refused:
        check_url("https://gone.example/h", allow_private=False, resolve=resolver({}))
    assert refused.value.field == "url"
