"""The SSRF corpus against the one network policy (:mod:`autonomos.core.network`), through each
code path that checks a tenant's target: webhook callbacks (:func:`resolve_target`), SQL source
URLs and REST base URLs (:func:`network_problems`, when a source is saved, tested and run), and
hosts a REST source reaches later (:func:`host_problem`: redirects, next-page URLs). Every
spelling of a loopback, private, link-local, shared or metadata address is refused by each.

Redirects: a local API answering 302 to another local port is refused by the REST client (the
webhook client's hop-by-hop check is tests/server/tasks/test_webhooks.py). DNS rebinding:
webhook callbacks connect to the address that was checked (:attr:`Target.address`); REST and
SQL clients resolve again when they connect — docs/security.md says what that leaves open.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import pytest

from autonomos.core.errors import ConnectorError
from autonomos.core.network import UnsafeURLError, host_problem, network_problems, resolve_target

#: host spellings (as they appear in a URL's authority) that all reach the server's own network
FORBIDDEN_HOSTS = [
    "127.0.0.1", "127.255.255.254", "localhost", "LOCALHOST", "localhost.", "api.localhost",
    "[::1]", "[0:0:0:0:0:0:0:1]", "0.0.0.0", "[::]",
    "169.254.169.254", "169.254.170.2", "[fd00:ec2::254]", "100.100.100.200",
    "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.0.1", "192.168.255.255",
    "100.64.0.1", "100.127.255.254",
    "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "169.254.1.1",
    "2130706433", "0177.0.0.1", "0x7f000001", "0x7f.0.0.1", "127.1", "0", "017700000001", "3232235521",  # 192.168.0.1
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", "[::ffff:10.0.0.1]",
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "224.0.0.1", "255.255.255.255", "240.0.0.1",
]


def _webhook(host: str) -> bool:
    try:
        resolve_target(f"http://{host}/hook")
    except UnsafeURLError:
        return True
    return False


def _sql_source(host: str) -> bool:
    return bool(network_problems("url", f"postgresql://etl:pw@{host}:5432/dw"))


def _rest_base_url(host: str) -> bool:
    return bool(network_problems("base_url", f"https://{host}/v1/"))


def _rest_later_host(host: str) -> bool:
    return host_problem(host, private_ok=False) is not None


PATHS: dict[str, Callable[[str], bool]] = {"webhook callback": _webhook, "sql source url": _sql_source,
                                           "rest base url": _rest_base_url, "rest redirect or next url": _rest_later_host}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("host", FORBIDDEN_HOSTS)
def test_every_spelling_of_an_internal_address_is_refused(path: str, host: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", raising=False)
    assert PATHS[path](host), f"{path} lets {host} through"


@pytest.mark.parametrize("path", PATHS)
def test_public_addresses_pass(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: the same code paths let a public address through, so each refusal above is
    about the address."""
    monkeypatch.delenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", raising=False)
    for host in ("8.8.8.8", "[2001:4860:4860::8888]", "93.184.216.34"):
        assert not PATHS[path](host), f"{path} refuses the public {host}"


def test_a_webhook_connects_to_the_checked_address() -> None:
    """Rebinding cannot move a callback: the target carries the address that passed the check
    and the client connects there (the Host header and TLS name stay the URL's)."""
    target = resolve_target("http://8.8.8.8:8080/hook")
    assert (target.address, target.host, target.port) == ("8.8.8.8", "8.8.8.8", 8080)
    with pytest.raises(UnsafeURLError, match="localhost resolves to .*loopback"):
        resolve_target("http://localhost/hook")  # a name (not a literal): resolved, then checked


class _Redirector(BaseHTTPRequestHandler):
    location = ""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(302)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("location", ["http://127.0.0.1:6379/", "http://localhost:5432/", "http://[::1]:8080/",
                                      "http://169.254.169.254/latest/meta-data/", "http://2130706433:6379/",
                                      "http://10.0.0.1/", "file:///etc/passwd"])
def test_a_rest_api_redirecting_to_the_servers_network_is_refused(redirector: ThreadingHTTPServer, location: str,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The API itself is on 127.0.0.1 (allowed here as the source's own base URL, which the
    server checks when the source is saved); its redirect elsewhere is checked on its own."""
    from autonomos.connectors.rest import RestConnector
    from autonomos.connectors.rest.http import Http
    from autonomos.core.serde import structure

    monkeypatch.delenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", raising=False)
    _Redirector.location = location
    base = f"http://127.0.0.1:{redirector.server_address[1]}/"
    cfg = structure({"base_url": base, "resources": [{"name": "items", "path": "items"}],
                     "retry": {"attempts": 1, "backoff": 0.01, "max_backoff": 1}}, RestConnector.Config, path="config")
    http = Http(cfg)
    with pytest.raises(ConnectorError, match="refused") as refused:
        http.get("items", http.url("items"), {})
    assert "leaves" in str(refused.value) or "only http and https" in str(refused.value), refused.value
    assert http.requests == 2  # the first request, and the redirect refused before it was sent
