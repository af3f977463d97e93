"""Where a stored or inline source may make the server connect: the network policy for sources.

Tenants share the server's network, so a source must not reach what only the server can reach
(its metadata database, Redis, cloud metadata, other internal services). A host in a source's
config (any ``scheme://…`` value, e.g. a database or API URL, and any ``host``/``hostname``/
``server``/``address`` field) is refused when it is, or resolves to, a loopback, private,
link-local, shared, reserved or cloud-metadata address (the same test as webhook callbacks,
:func:`autonomos.server.tasks.ssrf.address_problem`). A URL without a host (a local socket), or
with query parameters naming a socket or a file on the server (``host=/var/run/…``,
``passfile=``, ``sslkey=``, ``service=``…), is refused too.

The operator lifts the address rule for every organization with
``AUTONOMOS_SOURCES_ALLOW_PRIVATE=true`` (a single-team install whose databases are on the
private network). Local sockets and server files stay refused either way.

Checked when a source is saved, tested and run (each time it is resolved again). A name that
does not resolve passes the check: connecting to it fails on its own with a clear error. What
stays open: a DNS answer that changes between the check and the driver's connect (rebinding).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from autonomos.server.settings import env_bool
from autonomos.server.tasks.ssrf import UnsafeURLError, address_problem, resolve

ALLOW_PRIVATE_ENV = "AUTONOMOS_SOURCES_ALLOW_PRIVATE"
HOST_KEY = re.compile(r"(^|_)(host|hostname|hostaddr|server|address)$")
URL_VALUE = re.compile(r"^\s*[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
SERVER_FILE_PARAMS = {"passfile", "service", "servicefile", "sslkey", "sslcert", "sslrootcert", "sslcrl",
                      "sslcrldir", "unix_socket", "read_default_file", "read_default_group", "init_command",
                      "local_infile", "plugin_dir", "ssl_ca", "ssl_cert", "ssl_key", "ssl_capath"}
HOST_PARAMS = {"host", "hostaddr"}


def allow_private() -> bool:
    """``AUTONOMOS_SOURCES_ALLOW_PRIVATE`` (default false), read at each check; the server
    refuses to start when it is not a boolean (:mod:`autonomos.server.settings`)."""
    return env_bool(ALLOW_PRIVATE_ENV, False)


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
    """Why the server may not connect to ``host`` for a tenant, or None."""
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
                    f"(the operator can allow it with {ALLOW_PRIVATE_ENV}=true)")
    return None


def network_problems(key: str, value: str) -> list[str]:
    """Problems of one config value (empty when it names no host or only allowed ones)."""
    private_ok = allow_private()
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
