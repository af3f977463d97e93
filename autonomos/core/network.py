"""Where a tenant may make the server connect: the one network policy (SSRF guard).

Tenants share the server's network, so nothing a tenant names — a webhook callback, a source's
database or API URL, later a REST connector's base URL — may reach what only the server can
reach: its metadata database, Redis, cloud metadata, other internal services.

**The address rule** (:func:`address_problem`): an address is refused when it is loopback,
private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local, multicast, reserved, unspecified,
shared (100.64/10), not global, or a cloud metadata address. IPv4-mapped/6to4/Teredo IPv6 forms
are unwrapped first. A host is refused when **any** address it resolves to is.

**Callback URLs** (:func:`resolve_target`, used by webhook callbacks): ``http``/``https`` with a
host and no credentials, every resolved address public; the caller connects to the checked
address (:attr:`Target.address`), so a DNS answer that changes between check and connect
(rebinding) cannot slip through; redirects are followed by hand and each hop is checked again
(:mod:`autonomos.server.tasks.webhooks`). The operator lets private targets through server-wide
(``AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE``) or one ``host:port`` at a time
(``AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS``); the caller passes both in.

**Source configs** (:func:`network_problems`, used when a source is saved, tested and run): a
host in a config (any ``scheme://…`` value and any ``host``/``hostname``/``server``/``address``
field) is checked with the address rule; a URL without a host (a local socket), or with query
parameters naming a socket or a file on the server (``host=/var/run/…``, ``passfile=``,
``sslkey=``, ``service=``…), is refused too. ``AUTONOMOS_SOURCES_ALLOW_PRIVATE=true`` lifts the
address rule for every organization (a single-team install whose databases are on the private
network); local sockets and server files stay refused either way. A name that does not resolve
passes: connecting to it fails on its own with a clear error. What stays open for sources: a DNS
answer that changes between the check and the driver's connect (rebinding).

This module imports nothing from the server, so connectors may use it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from autonomos.core import settings
from autonomos.core.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
    ipaddress.ip_address("169.254.170.2"),    # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),    # AWS IMDS over IPv6
}
SHARED = ipaddress.ip_network("100.64.0.0/10")

CALLBACK_REFUSAL = ("callbacks to it are refused (the server's operator can allow private targets: "
                    "AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE or AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS)")
"""The end of :func:`resolve_target`'s refusal (callers with another switch pass their own)."""

SOURCES_ALLOW_PRIVATE_ENV = "AUTONOMOS_SOURCES_ALLOW_PRIVATE"
HOST_KEY = re.compile(r"(^|_)(host|hostname|hostaddr|server|address)$")
URL_VALUE = re.compile(r"^\s*[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
SERVER_FILE_PARAMS = {"passfile", "service", "servicefile", "sslkey", "sslcert", "sslrootcert", "sslcrl",
                      "sslcrldir", "unix_socket", "read_default_file", "read_default_group", "init_command",
                      "local_infile", "plugin_dir", "ssl_ca", "ssl_cert", "ssl_key", "ssl_capath"}
HOST_PARAMS = {"host", "hostaddr"}


class UnsafeURLError(ValueError):
    """The URL is malformed or points at an address the server may not connect to for a tenant."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to call it (``host``)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


# -- the address rule ------------------------------------------------------------------------------
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
    """Why the server may not connect to ``addr`` for a tenant, or None when it is a public address."""
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


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (literal IPs resolve to themselves); :class:`UnsafeURLError`
    when it does not resolve."""
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


# -- callback URLs (connect to the checked address) ----------------------------------------------
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


def resolve_target(url: str, allow_private: bool = False, exempt: frozenset[tuple[str, int]] = frozenset(),
                   refusal: str = CALLBACK_REFUSAL) -> Target:
    """Check ``url`` and pick the address to connect to; raises :class:`UnsafeURLError`.

    ``exempt`` names exact ``(host, port)`` pairs let through anyway (an operator's on-premises
    receiver; tests use it to reach a local server that then redirects somewhere forbidden).
    ``refusal`` ends the message of a refused address (what is refused, and how to allow it)."""
    scheme, host, port = split_url(url)
    addresses = resolve(host, port)
    if not allow_private and (host, port) not in exempt:
        for addr in addresses:
            if problem := address_problem(addr):
                shown = host if str(addr) == host.strip("[]") else f"{host} resolves to {addr}, which"
                raise UnsafeURLError(f"{shown} {problem}; {refusal}")
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))


# -- source configs (hosts in any value) ---------------------------------------------------------
def sources_allow_private() -> bool:
    """``AUTONOMOS_SOURCES_ALLOW_PRIVATE`` (default false), read at each check (through
    :func:`autonomos.core.settings.current`: the environment as it is now, or the run's snapshot).
    The server refuses to start when it is not a boolean (:mod:`autonomos.server.settings`); the
    same words count here."""
    raw = settings.current().env(SOURCES_ALLOW_PRIVATE_ENV)
    if not raw:
        return False
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{SOURCES_ALLOW_PRIVATE_ENV} must be true or false, got {raw!r}")


def _netloc_hosts(netloc: str) -> list[str]:
    """Hosts of a netloc, including libpq's multi-host form ``h1:5432,h2:5433``."""
    hosts = []
    for part in netloc.rsplit("@", 1)[-1].split(","):
        part = part.strip()
        if part.startswith("["):
            host = part[1:part.find("]")] if "]" in part else part[1:]
        else:
            host = part.rsplit(":", 1)[0] if part.count(":") == 1 else part
        if host:
            hosts.append(unquote(host))
    return hosts


def url_problems(url: str) -> tuple[list[str], list[str]]:
    """(hosts to check, problems found without any lookup) of one URL value."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        return [], [f"is not a valid URL ({exc})"]
    hosts = _netloc_hosts(parts.netloc)
    problems: list[str] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        k = key.lower()
        if k in HOST_PARAMS:
            for h in value.split(","):
                h = h.strip()
                if not h or h.startswith(("/", "@")):
                    problems.append(f"its {key}= names a local socket; sources must connect over the network")
                else:
                    hosts.append(h)
        elif k in SERVER_FILE_PARAMS or "file" in k or value.strip().startswith(("/", "~")):
            problems.append(f"its query parameter {key!r} would read a file or socket on the server; refused")
    if not hosts and parts.scheme.lower() not in ("http", "https"):
        problems.append("names no host (a local socket connection); give the database's network host")
    return hosts, problems


def host_problem(host: str, private_ok: bool) -> str | None:
    """Why the server may not connect to ``host`` for a tenant's source, or None."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if not name:
        return None
    if private_ok:
        return None
    if name == "localhost" or name.endswith(".localhost"):
        return f"host {host!r} is the server itself"
    try:
        addresses = resolve(name, 0)
    except UnsafeURLError:
        return None  # does not resolve: the connection fails with its own clear error
    for addr in addresses:
        if problem := address_problem(addr):
            shown = f"host {host!r}" if str(addr) == name else f"host {host!r} resolves to {addr}, which"
            return (f"{shown} {problem}; the server does not connect sources to its own network "
                    f"(the operator can allow it with {SOURCES_ALLOW_PRIVATE_ENV}=true)")
    return None


def network_problems(key: str, value: str) -> list[str]:
    """Problems of one source config value (empty when it names no host or only allowed ones)."""
    private_ok = sources_allow_private()
    if URL_VALUE.match(value):
        hosts, problems = url_problems(value)
    elif key and HOST_KEY.search(key.lower()):
        if value.strip().startswith(("/", "@")):
            return ["names a local socket; sources must connect over the network"]
        hosts, problems = [value], []
    else:
        return []
    for host in hosts:
        if problem := host_problem(host, private_ok):
            problems.append(problem)
    return problems
