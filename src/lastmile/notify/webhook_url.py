"""Which webhook URLs may be called: http(s), no credentials, a public address (the SSRF guard).

Checked when an endpoint is registered and again right before each send, on the address the
send then connects to: a name that resolved to a public address at registration may point at
the internal network by the time a message goes out.
"""

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lastmile.errors import InvalidInput

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnresolvableHost(InvalidInput):
    """The URL's host has no address now (may be temporary: a send is tried again later)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL and the one address to connect to for it."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (blocking)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(address: IpAddress) -> str | None:
    """Why a webhook may not go to `address` (its kind), or None for a public address.

    >>> refusal(ipaddress.ip_address("93.184.215.14")) is None
    True
    >>> refusal(ipaddress.ip_address("::ffff:10.0.0.1"))
    'private'
    >>> refusal(ipaddress.ip_address("169.254.169.254"))
    'link-local'
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and (inner := refusal(embedded)) is not None:
            return inner
    kinds = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not public", not address.is_global),
    )
    return next((kind for kind, hit in kinds if hit), None)


def check_form(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of `url`: http(s), a host, no credentials; else `InvalidInput`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidInput("url", f"scheme {parts.scheme or '(none)'!r} is not http or https")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("url", "must not carry credentials (user:password@)")
    host = parts.hostname
    if not host:
        raise InvalidInput("url", "has no host")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise InvalidInput("url", "has a port outside 0..65535") from None
    return scheme, host, port


def check_url(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> Target:
    """The target to connect to for `url`; `InvalidInput` on `url` when it may not be called.

    Every address the host resolves to must be public (one bad answer refuses the URL, so
    a round-robin name cannot slip one through). With `allow_private` (a self-hoster's LAN)
    any address is accepted, but the scheme and credential rules still hold.
    """
    scheme, host, port = check_form(url)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = _resolve(host, port, resolve)
    if not allow_private:
        for address in addresses:
            kind = refusal(address)
            if kind is not None:
                raise InvalidInput(
                    "url",
                    f"host {host} is at {address}, a {kind} address: webhooks go to public"
                    " addresses only (LASTMILE_WEBHOOK_ALLOW_PRIVATE allows a LAN)",
                )
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))


def _resolve(host: str, port: int, resolve: Resolver) -> list[IpAddress]:
    try:
        found = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise UnresolvableHost("url", f"host {host} does not resolve: {error}") from None
    addresses = []
    for text in found:
        # A scoped IPv6 answer (fe80::1%eth0) is link-local whatever its scope.
        addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
    if not addresses:
        raise UnresolvableHost("url", f"host {host} has no address")
    return addresses
