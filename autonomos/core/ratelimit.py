"""Rate budgets: a token bucket per (tenant, API host[, budget name]), shared by every run.

An API's rate limit belongs to the account that calls it, not to one pipeline: two runs of one
tenant against one API must stay under its limit *together*. A connector asks for one token per
request with :func:`acquire`; the bucket holds up to ``burst`` tokens and refills at ``rate``
tokens per second, so over any window of ``w`` seconds at most ``burst + rate * w`` requests go
out, whatever the number of runs, threads or processes taking from it::

    from autonomos.core import ratelimit

    key = ratelimit.key_for("https://api.example.com/v1")        # the current run's tenant
    ratelimit.acquire(key, rate=5.0, burst=5, timeout=120)        # blocks until a token is ours

Two backends behind :class:`Backend`, chosen by ``settings.current().redis_url``:

* **in-process** (embedded mode, no Redis): :class:`LocalBackend`, a module-level registry of
  buckets keyed by the full :class:`RateKey`, behind one lock, so every run in this process
  (threads included) shares it. Buckets idle long enough to be full again are dropped (a full
  bucket and no bucket mean the same thing).
* **Redis** (production): :class:`RedisBackend`, one hash ``autonomos:rate:<tenant uuid>:<host>:<port>``
  (``…:<name>`` for a named budget) updated by one Lua script, atomically: refill by the time
  elapsed on Redis's own clock (``TIME``, so workers' clocks do not matter), take a token or
  answer how long to wait. The key expires once the bucket would be full again, so idle
  buckets vanish.

The key is built from the tenant's UUID (a :class:`uuid.UUID`, never text) and the host as
parsed from a URL: lowercased, IDNA-encoded, with its port (the scheme's default when absent),
and strictly validated (letters, digits, ``.``, ``-``, ``_``, or a bracketed IPv6 address), so
no host or budget name can reach into another tenant's key or another host's. Outside a run (no
``settings.current_tenant``) the budget belongs to :data:`NO_TENANT`, the nil UUID.

The buckets do not store ``rate`` and ``burst``: each call brings its own. Runs that declare
different numbers for one host share one bucket, refilled at the rate of whichever call refills
it; declare the same numbers (or distinct budget names) for one API.

Waiting sleeps in steps of at most :data:`STEP_S`, calling :func:`autonomos.core.guard.check`
(and ``should_stop``) between them, so a cancelled run stops at once. After ``timeout`` seconds
without a token, :class:`RateBudgetTimeout` names the host and the budget, never a tenant.
"""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from autonomos.core import guard, settings
from autonomos.core.errors import AutonomosError, ConfigError

__all__ = ["RateKey", "RateBudgetTimeout", "Backend", "LocalBackend", "RedisBackend", "NO_TENANT",
           "StoreUnavailable", "key_for", "normalise_host", "backend", "acquire"]

NO_TENANT = uuid.UUID(int=0)  # the budget of work outside any tenant's run (a library call, a test)
EPSILON = 1e-9  # a token short by float rounding only is a token
STEP_S = 0.1                  # longest sleep between two tries (and two guard checks)
PREFIX = "autonomos:rate"
HOST = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?|\[[0-9a-f:.]{2,45}\]):[0-9]{1,5}")
NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")
DEFAULT_PORTS = {"http": 80, "https": 443}


class RateBudgetTimeout(AutonomosError):
    """No token within the timeout: other runs of this tenant use the budget (transient)."""

    transient = True


class StoreUnavailable(Exception):
    """The backend could not answer (Redis down): :func:`acquire` tries again until its timeout."""


@dataclass(frozen=True)
class RateKey:
    """Whose budget: a tenant, an API host (``host:port``, normalised) and an optional name."""

    tenant: uuid.UUID
    host: str
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.tenant, uuid.UUID):
            raise TypeError(f"rate budget tenant must be a uuid.UUID, not {type(self.tenant).__name__}")
        if not HOST.fullmatch(self.host):
            raise ConfigError(f"rate budget host {self.host!r} is not a normalised host:port")
        if self.name is not None and not NAME.fullmatch(self.name):
            raise ConfigError(f"rate budget name {self.name!r} must be 1 to 128 letters, digits, '_', '.' or '-'")

    @property
    def redis_key(self) -> str:
        return f"{PREFIX}:{self.tenant}:{self.host}" + (f":{self.name}" if self.name else "")

    def describe(self) -> str:
        """The budget in words, for messages (no tenant in it)."""
        return f"{self.host}" + (f" (budget '{self.name}')" if self.name else "")


def normalise_host(url: str) -> str:
    """``https://API.Example.com/v1`` → ``api.example.com:443``; ``http://[::1]:8080`` → ``[::1]:8080``.

    ConfigError for anything that is not an http(s) URL with a plain host name or IP address."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ConfigError(f"rate budget: {url!r} is not a URL with a valid host and port") from None
    scheme = (parts.scheme or "").lower()
    host = parts.hostname or ""
    if scheme not in DEFAULT_PORTS or not host:
        raise ConfigError(f"rate budget: {url!r} is not an http:// or https:// URL with a host")
    try:
        host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError:
        raise ConfigError(f"rate budget: the host of {url!r} is not a valid name") from None
    if ":" in host:  # IPv6: urlsplit drops the brackets
        host = f"[{host}]"
    normal = f"{host}:{port or DEFAULT_PORTS[scheme]}"
    if not HOST.fullmatch(normal):
        raise ConfigError(f"rate budget: the host of {url!r} is not a valid name")
    return normal


def key_for(url: str, name: str | None = None, tenant: uuid.UUID | None = None) -> RateKey:
    """The budget of ``url``'s host for ``tenant`` (default: the run in progress, else NO_TENANT)."""
    if tenant is None:
        tenant = settings.current_tenant.get() or NO_TENANT
    return RateKey(tenant=tenant, host=normalise_host(url), name=name)


class Backend(Protocol):
    def take(self, key: RateKey, rate: float, burst: int) -> float:
        """Take one token: 0.0 when granted, else the seconds until one may be (nothing taken)."""
        ...


def _ttl_s(rate: float, burst: int) -> float:
    """How long until an empty bucket is full again: after that, no bucket is the same bucket."""
    return burst / rate + 1.0


class _Bucket:
    __slots__ = ("tokens", "at", "expires")

    def __init__(self, tokens: float, at: float, expires: float):
        self.tokens, self.at, self.expires = tokens, at, expires


class LocalBackend:
    """Buckets in this process (thread-safe); the module's :data:`LOCAL` is the shared one."""

    SWEEP_EVERY = 1024

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._buckets: dict[RateKey, _Bucket] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def take(self, key: RateKey, rate: float, burst: int) -> float:
        with self._lock:
            now = self.clock()
            self._calls += 1
            if self._calls % self.SWEEP_EVERY == 0:
                for k in [k for k, b in self._buckets.items() if b.expires <= now]:
                    del self._buckets[k]
            bucket = self._buckets.get(key)
            if bucket is None or bucket.expires <= now:
                bucket = self._buckets[key] = _Bucket(float(burst), now, 0.0)
            tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.at) * rate)
            bucket.at = now
            wait = 0.0
            if tokens >= 1.0 - EPSILON:
                tokens = max(0.0, tokens - 1.0)
            else:
                wait = (1.0 - tokens) / rate
            bucket.tokens = tokens
            bucket.expires = now + _ttl_s(rate, burst)
            return wait

    def __len__(self) -> int:
        return len(self._buckets)


# Refill by the time elapsed on Redis's clock, take one token or answer the wait; the key lives
# until the bucket would be full again. Numbers go back as text: Lua numbers become integers.
_TAKE = """
if redis.replicate_commands then redis.replicate_commands() end
local rate, burst, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(held[1]), tonumber(held[2])
if tokens == nil or at == nil then tokens, at = burst, now end
if now > at then tokens = math.min(burst, tokens + (now - at) * rate) end
local wait = 0
if tokens >= 1 - 1e-9 then tokens = math.max(0, tokens - 1) else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], ttl)
return string.format('%.17g', wait)
"""


class RedisBackend:
    """Buckets in Redis, shared by every process of the installation (see module docstring)."""

    def __init__(self, client: Any):
        self.client = client
        self._script = client.register_script(_TAKE)

    @classmethod
    def from_url(cls, url: str) -> RedisBackend:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5))

    def take(self, key: RateKey, rate: float, burst: int) -> float:
        import redis

        ttl_ms = max(1000, math.ceil(_ttl_s(rate, burst) * 1000))
        try:
            answer = self._script(keys=[key.redis_key], args=[repr(float(rate)), int(burst), ttl_ms])
        except redis.RedisError as exc:
            raise StoreUnavailable(f"the rate budget store (Redis, AUTONOMOS_REDIS_URL) did not answer: "
                                   f"{type(exc).__name__}") from None
        return float(answer.decode() if isinstance(answer, bytes) else answer)


LOCAL = LocalBackend()
_redis: dict[str, RedisBackend] = {}
_redis_lock = threading.Lock()


def backend() -> Backend:
    """Redis when ``settings.current().redis_url`` is set (one client per URL), else :data:`LOCAL`."""
    url = settings.current().redis_url
    if not url:
        return LOCAL
    with _redis_lock:
        found = _redis.get(url)
        if found is None:
            found = _redis[url] = RedisBackend.from_url(url)
        return found


def acquire(key: RateKey, rate: float, burst: int, timeout: float = 120.0,
            should_stop: Callable[[], bool] | None = None, using: Backend | None = None) -> float:
    """Block until ``key``'s bucket grants one token; returns the seconds waited.

    Sleeps in steps of at most :data:`STEP_S`, checking the run's guard (RunCancelled) and
    ``should_stop`` between them. RateBudgetTimeout after ``timeout`` seconds without a token,
    or when the Redis backend stays unreachable that long."""
    if not rate > 0:
        raise ConfigError(f"rate budget: requests per second must be more than 0, got {rate}")
    if burst < 1:
        raise ConfigError(f"rate budget: burst must be at least 1, got {burst}")
    store = using if using is not None else backend()
    started = time.monotonic()
    deadline = started + timeout
    problem: str | None = None
    while True:
        guard.check()
        if should_stop is not None and should_stop():
            raise guard.RunCancelled("cancel")
        try:
            wait, problem = store.take(key, rate, burst), None
        except StoreUnavailable as exc:
            wait, problem = STEP_S, str(exc)
        now = time.monotonic()
        if wait <= 0:
            return now - started
        if now + wait > deadline:  # the wait is a lower bound: no token can be ours in time
            raise RateBudgetTimeout(
                problem or f"rate budget of {key.describe()} ({rate:g} requests/s, burst {burst}): no request "
                           f"slot within {timeout:g} s (waited {now - started:.1f} s, the next is {wait:.1f} s "
                           f"away); other runs of this tenant share this API's budget: raise "
                           f"rate_limit.max_wait, or run them one after another")
        time.sleep(min(wait, STEP_S))
