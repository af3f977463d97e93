"""Refuse callback targets inside the server's network (SSRF), after DNS resolution.

A URL is allowed when it is ``http``/``https`` with a host, and **every** address the host
resolves to is public: not private, loopback, link-local, multicast, reserved, unspecified,
shared (100.64/10) or a cloud metadata address. IPv4-mapped/6to4/Teredo IPv6 forms are unwrapped
first. The caller then connects to one of the checked addresses (:func:`resolve_target`), so a DNS
answer that changes between check and connect (rebinding) cannot slip through; redirects are
followed by hand and each hop is checked again (:mod:`autonomos.server.tasks.webhooks`).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
    ipaddress.ip_address("169.254.170.2"),    # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),    # AWS IMDS over IPv6
}
SHARED = ipaddress.ip_network("100.64.0.0/10")


class UnsafeURLError(ValueError):
    """The URL is malformed or points at an address callbacks may not reach."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to call it (``host``)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def _unwrap(addr: IPAddress) -> IPAddress:
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return addr.ipv4_mapped
        if addr.sixtofour is not None:
            return addr.sixtofour
        if addr.teredo is not None:
            return addr.teredo[1]
    return addr


def address_problem(addr: IPAddress) -> str | None:
    """Why ``addr`` may not be called back, or None when it is a public address."""
    addr = _unwrap(addr)
    if addr in METADATA_ADDRESSES:
        return "is a cloud metadata address"
    for attr, what in (("is_loopback", "loopback"), ("is_link_local", "link-local"), ("is_multicast", "multicast"),
                       ("is_unspecified", "unspecified"), ("is_reserved", "reserved"), ("is_private", "private")):
        if getattr(addr, attr):
            return f"is a {what} address"
    if isinstance(addr, ipaddress.IPv4Address) and addr in SHARED:
        return "is a shared (carrier-grade NAT) address"
    if not addr.is_global:
        return "is not a public address"
    return None


def split_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or :class:`UnsafeURLError` saying what is wrong."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeURLError("must be an http:// or https:// URL")
    if len(url) > 2000:
        raise UnsafeURLError("is longer than 2000 characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(f"must use http or https, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise UnsafeURLError("has no host")
    if parts.username or parts.password:
        raise UnsafeURLError("must not carry credentials (user:password@)")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (literal IPs resolve to themselves)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURLError(f"host {host!r} does not resolve ({exc})") from None
    found: list[IPAddress] = []
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if addr not in found:
            found.append(addr)
    if not found:
        raise UnsafeURLError(f"host {host!r} does not resolve")
    return found


def resolve_target(url: str, allow_private: bool = False, exempt: frozenset[tuple[str, int]] = frozenset()) -> Target:
    """Check ``url`` and pick the address to connect to; raises :class:`UnsafeURLError`.

    ``exempt`` names exact ``(host, port)`` pairs let through anyway (tests use it to reach a
    local server that then redirects somewhere forbidden)."""
    scheme, host, port = split_url(url)
    addresses = resolve(host, port)
    if not allow_private and (host, port) not in exempt:
        for addr in addresses:
            if problem := address_problem(addr):
                shown = host if str(addr) == host.strip("[]") else f"{host} resolves to {addr}, which"
                raise UnsafeURLError(f"{shown} {problem}; callbacks to it are refused "
                                     f"(the server's operator can allow private targets: AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE "
                                     f"or AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS)")
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))
