"""HTTP for the ``rest`` connector: one ``httpx.Client`` per source, retries, clear errors.

* Timeouts: ``timeout`` seconds for connect, read, write and pool.
* Retries (tenacity): 429, 5xx, timeouts and lost connections are tried again up to
  ``retry.attempts`` times, waiting the server's ``Retry-After`` (seconds or an HTTP date) when
  it sends one, else an exponential backoff with jitter; never longer than ``retry.max_backoff``.
  The wait is cut into short sleeps so a cancelled run stops at once.
* Other 4xx fail at once, and so does the last failed try: :class:`~autonomos.ConnectorError`
  naming the resource, the method and the URL with secrets masked, the status and the start of
  the API's answer. Statuses a resource lists in ``ignore_statuses`` read as no records.
* Where requests may go: the base URL's (and the OAuth2 token URL's) scheme, host and port, and
  any other host only when it passes the server's private-address policy
  (:func:`autonomos.core.network.host_problem`), checked for every request, redirects and next
  URLs from a body or ``Link`` header included.
* Rate budget (``rate_limit``, the source's or the resource's own): every request sent — pages,
  child pages, retries, redirects — first takes a token from the tenant's budget for the host it
  goes to (:mod:`autonomos.core.ratelimit`: Redis in production, this process when embedded), so
  concurrent runs of one tenant stay under the API's limit together. OAuth2 token requests take
  none (rare, and usually to another host). A 429 is still retried as above. Without a current
  tenant (``settings.current_tenant`` unset) the budget is this source's own, shared with nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
import tenacity

from autonomos import __version__
from autonomos.connectors.rest.auth import NO_BUDGET, Secrets, build_auth, secret_header
from autonomos.connectors.rest.config import RateLimitConfig, RestConfig
from autonomos.core import guard, ratelimit, settings
from autonomos.core.errors import ConnectorError
from autonomos.core.redaction import is_secret_key
from autonomos.core.network import (SOURCES_ALLOW_PRIVATE_ENV, UnsafeURLError, address_problem, host_problem,
                                    resolve, sources_allow_private)
from autonomos.core.retry import backoff_delay, parse_retry_after

log = logging.getLogger("autonomos.connector.rest")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))
BODY_EXCERPT = 300
SLEEP_SLICE_S = 0.2


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def interruptible_sleep(seconds: float) -> None:
    """``time.sleep`` in slices, raising RunCancelled as soon as the run is stopped."""
    deadline = time.monotonic() + seconds
    while True:
        guard.check()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(SLEEP_SLICE_S, left))


class Http:
    """The source's client (see module docstring). ``requests`` counts requests sent."""

    def __init__(self, config: RestConfig, sleep: Callable[[float], None] = interruptible_sleep):
        self.config = config
        self.secrets = Secrets()
        self.base_url = config.base_url.strip().rstrip("/") + "/"
        self.sleep = sleep
        self.requests = 0
        self.label, self.what = "rest", "resource"  # how messages name the connector and the thing read
        self.rate_waited = 0.0  # seconds spent waiting for rate-budget tokens
        self._own_budget = ratelimit.LocalBackend()  # used when no tenant is current (see _take_token)
        self._budget: tuple[RateLimitConfig, str | None] | None = config.rate_limit_of(None)
        headers = {"User-Agent": f"autonomos/{__version__}", "Accept": "application/json"}
        for name, value in config.headers.items():
            if secret_header(name):
                self.secrets.add(value)
                self.secrets.add(value.split(" ", 1)[-1])  # the token after "Bearer "
            headers[name] = value
        for name, value in [*config.params.items(), *(i for r in config.resources for i in r.params.items())]:
            if is_secret_key(name):  # an API key passed as a plain query parameter
                self.secrets.query_names.add(name)
                self.secrets.add(str(value))
        self.auth = build_auth(config.auth, self.base_url, self.secrets, self.describe)
        self.allowed = {_origin(self.base_url)}
        if config.auth is not None and config.auth.type == "oauth2" and config.auth.token_url:
            self.allowed.add(_origin(urljoin(self.base_url, config.auth.token_url)))
        self.client = httpx.Client(headers=headers, auth=self.auth, timeout=httpx.Timeout(config.timeout),
                                   follow_redirects=True,
                                   transport=checked_transport(lambda: {(h, p) for _, h, p in self.allowed}),
                                   event_hooks={"request": [self._check_target, self._take_token]})

    # -- where requests may go ----------------------------------------------------------------
    def _check_target(self, request: httpx.Request) -> None:
        self.requests += 1
        url = str(request.url)
        origin = _origin(url)
        if origin in self.allowed:
            return
        if origin[0] not in ("http", "https"):
            raise ConnectorError(f"{self.label}: refused {request.method} {self.secrets.mask_url(url)}: only http and "
                                 f"https URLs are followed")
        problem = host_problem(origin[1], sources_allow_private())
        if problem:
            raise ConnectorError(f"{self.label}: refused {request.method} {self.secrets.mask_url(url)}: it leaves "
                                 f"{self.base_url} and {problem}")

    def _take_token(self, request: httpx.Request) -> None:
        if self._budget is None or request.extensions.get(NO_BUDGET):
            return
        cfg, name = self._budget
        tenant = settings.current_tenant.get()
        # outside a tenant's context (a library call; a server path that did not set it) the
        # budget is this source's own: a shared "no tenant" bucket would couple tenants
        using = None if tenant is not None else self._own_budget
        key = ratelimit.key_for(str(request.url), name, tenant or ratelimit.NO_TENANT)
        self.rate_waited += ratelimit.acquire(key, cfg.requests_per_second, cfg.bucket_size, cfg.max_wait,
                                              using=using)

    def url(self, path: str) -> str:
        """``path`` below the base URL (an absolute URL stays as it is)."""
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    # -- messages -----------------------------------------------------------------------------
    def describe(self, response: httpx.Response) -> str:
        """``GET <masked url> failed: HTTP 401 Unauthorized: <the answer's start>``."""
        try:
            body = response.text
        except (httpx.ResponseNotRead, UnicodeDecodeError):
            body = ""
        excerpt = " ".join(body.split())[:BODY_EXCERPT]
        reason = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        return self.secrets.mask(f"{response.request.method} {self.secrets.mask_url(str(response.request.url))} "
                                 f"failed: {reason}" + (f": {excerpt}" if excerpt else ""))

    # -- requests -----------------------------------------------------------------------------
    def get(self, resource: str, url: str, params: dict[str, Any], headers: dict[str, str] | None = None,
            ignore: frozenset[int] = frozenset()) -> httpx.Response | None:
        """One GET under the retry policy; None when its status is in ``ignore``."""
        return self.request("GET", resource, url, params, headers=headers, ignore=ignore)

    def request(self, method: str, resource: str, url: str, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, json: Any = None, ignore: frozenset[int] = frozenset(),
                answer: frozenset[int] = frozenset()) -> httpx.Response | None:
        """One request under the retry policy; None when its status is in ``ignore``; a response
        whose status is in ``answer`` is returned as it is, for the caller to read (an API that
        refuses a feature with a 4xx the caller can work around)."""
        attempts = self.config.retry.attempts
        where = f"{self.label}: {self.what} '{resource}'"
        try:
            self._budget = self.config.rate_limit_of(self.config.resource(resource))
        except KeyError:
            self._budget = self.config.rate_limit_of(None)

        def attempt() -> httpx.Response | None:
            guard.check()
            request = self.client.build_request(method, url, params=params or None, headers=headers, json=json)
            shown = f"{method} {self.secrets.mask_url(str(request.url))}"
            try:
                response = self.client.send(request)
            except ratelimit.RateBudgetTimeout as exc:
                raise ConnectorError(f"{where}: {exc}", transient=True) from None
            except RefusedAddress as exc:
                raise ConnectorError(f"{where}: refused {shown}: {exc}") from None
            except httpx.TimeoutException as exc:
                raise _Retryable(f"{where}: {shown} timed out after {self.config.timeout:g} s "
                                 f"({type(exc).__name__})", None) from None
            except httpx.TransportError as exc:
                raise _Retryable(self.secrets.mask(f"{where}: {shown} failed: {type(exc).__name__}: {exc}"),
                                 None) from None
            if response.status_code in ignore:
                return None
            if response.status_code in answer:
                return response
            if response.status_code >= 400:
                message = f"{where}: {self.describe(response)}"
                if response.status_code in RETRY_STATUSES:
                    raise _Retryable(message, parse_retry_after(response.headers))
                raise ConnectorError(message + _hint(response.status_code))
            return response

        def wait(state: tenacity.RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            retry_after = failure.retry_after if isinstance(failure, _Retryable) else None
            return backoff_delay(state.attempt_number - 1, self.config.retry.backoff,
                                 self.config.retry.max_backoff, retry_after)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            log.warning("%s; retry %d/%d in %.1fs", failure, state.attempt_number, attempts - 1, state.upcoming_sleep)

        try:
            return tenacity.Retrying(stop=tenacity.stop_after_attempt(attempts), wait=wait, sleep=self.sleep,
                                     retry=tenacity.retry_if_exception_type(_Retryable),
                                     before_sleep=before_sleep, reraise=True)(attempt)
        except _Retryable as exc:
            tries = f" (gave up after {attempts} tries)" if attempts > 1 else ""
            # a later run may get through (5xx, timeouts, a lost connection): the task retries it
            raise ConnectorError(exc.message + tries, transient=True) from None

    def close(self) -> None:
        self.client.close()


class RefusedAddress(Exception):
    """A connection the network policy refused when it was opened (not an httpcore error, so
    httpx passes it through unmapped and it is never retried)."""


class _CheckedBackend(httpcore.SyncBackend):
    """Opens every connection to a host other than the source's own (``exempt``: the base and
    token URLs, which the server checks when a source is saved, tested and run) to an address
    checked at that moment: the name is resolved once, here, every address it gives must pass
    the policy, and the socket connects to one of those addresses. The request hook checks
    names too, but the client would resolve them again when connecting, and a name whose DNS
    answer changes in between (rebinding) would reach the server's own network. TLS still
    verifies and sends the host name (httpcore passes it to ``start_tls``, not this address)."""

    def __init__(self, exempt: Callable[[], set[tuple[str, int]]]):
        self.exempt = exempt  # read at each connection: a client may add origins it has checked

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        if (host.strip("[]").lower(), port) in self.exempt() or sources_allow_private():
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = resolve(host.strip("[]"), port)
        except UnsafeURLError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        for addr in addresses:
            if problem := address_problem(addr):
                shown = f"host {host!r}" if str(addr) == host.strip("[]") else f"host {host!r} resolves to {addr}, which"
                raise RefusedAddress(f"{shown} {problem}; the server does not connect sources to its own network "
                                     f"(the operator can allow it with {SOURCES_ALLOW_PRIVATE_ENV}=true)")
        failure: httpcore.ConnectError | None = None
        for addr in addresses:
            try:
                return super().connect_tcp(str(addr), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure


def checked_transport(exempt: Callable[[], set[tuple[str, int]]]) -> httpx.HTTPTransport:
    """httpx's own transport with :class:`_CheckedBackend` beneath it. Behind a proxy
    (``HTTPS_PROXY``) the proxy opens the connections, and httpx's pool for it stays as it is."""
    transport = httpx.HTTPTransport()
    pool = transport._pool  # httpx builds the pool (TLS context, limits); only its backend changes
    if type(pool) is httpcore.ConnectionPool:
        transport._pool = httpcore.ConnectionPool(
            ssl_context=pool._ssl_context, max_connections=pool._max_connections,
            max_keepalive_connections=pool._max_keepalive_connections, keepalive_expiry=pool._keepalive_expiry,
            http1=pool._http1, http2=pool._http2, retries=pool._retries, local_address=pool._local_address,
            uds=pool._uds, socket_options=pool._socket_options, network_backend=_CheckedBackend(exempt))
    return transport


def _hint(status: int) -> str:
    if status in (401, 403):
        return " (check the source's auth settings)"
    if status == 404:
        return " (check base_url and the resource's path; ignore_statuses: [404] reads it as empty)"
    return ""
