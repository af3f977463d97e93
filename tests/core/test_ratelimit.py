"""Rate budgets (autonomos.core.ratelimit): keys, the in-process bucket and the Redis bucket, real
clocks and a real Redis server (skipped when it is down, except under CI=true)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from typing import Iterator

import pytest

from autonomos.core import guard, ratelimit, settings
from autonomos.core.errors import ConfigError
from autonomos.core.ratelimit import LocalBackend, RateBudgetTimeout, RateKey, RedisBackend, acquire, key_for
from tests.conftest import require_service

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_hosts_are_normalised_and_strictly_validated() -> None:
    assert ratelimit.normalise_host("https://API.Example.COM/v1?x=1") == "api.example.com:443"
    assert ratelimit.normalise_host("http://api.example.com") == "api.example.com:80"
    assert ratelimit.normalise_host("http://user:pw@127.0.0.1:8080/") == "127.0.0.1:8080"
    assert ratelimit.normalise_host("http://[::1]:9000/") == "[::1]:9000"
    assert ratelimit.normalise_host("https://bücher.de/") == "xn--bcher-kva.de:443"
    for bad in ("ftp://host/", "api.example.com", "http://a b/", "http://host:99999/", "http:///x",
                "http://-x/", "http://a%3Ab/"):
        with pytest.raises(ConfigError):
            ratelimit.normalise_host(bad)


def test_keys_are_made_of_the_tenant_uuid_and_the_host_only() -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    key = key_for("https://api.example.com/v1", tenant=mine)
    assert key.redis_key == f"autonomos:rate:{mine}:api.example.com:443"
    assert key_for("https://api.example.com", name="search", tenant=mine).redis_key.endswith(":443:search")
    # neither a host nor a budget name can spell another tenant's key
    for host in (f"{theirs}:api.example.com:443", "x:1:autonomos:rate", "a*b:80"):
        with pytest.raises(ConfigError):
            RateKey(mine, host)
    for name in (f"x:{theirs}", "a b", "", "x" * 129):
        with pytest.raises(ConfigError):
            RateKey(mine, "api.example.com:443", name)
    with pytest.raises(TypeError):
        RateKey(str(mine), "api.example.com:443")  # type: ignore[arg-type]
    # the run's tenant is the default; outside a run, the nil UUID
    assert key_for("http://h:1").tenant == ratelimit.NO_TENANT
    token = settings.current_tenant.set(mine)
    try:
        assert key_for("http://h:1").tenant == mine
    finally:
        settings.current_tenant.reset(token)


def test_local_bucket_burst_then_rate() -> None:
    now = [100.0]
    b = LocalBackend(clock=lambda: now[0])
    key = key_for("http://h:1", tenant=uuid.uuid4())
    assert [b.take(key, 5.0, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take(key, 5.0, 3) == pytest.approx(0.2)  # empty: a token in 1/5 s, nothing taken
    now[0] += 0.1
    assert b.take(key, 5.0, 3) == pytest.approx(0.1)
    now[0] += 0.1
    assert b.take(key, 5.0, 3) == 0.0
    now[0] += 60  # idle: refilled to the burst, not beyond
    assert [b.take(key, 5.0, 3) for _ in range(4)][-1] > 0
    other = key_for("http://h:1", tenant=uuid.uuid4())
    assert b.take(other, 5.0, 3) == 0.0  # another tenant: its own bucket
    # idle buckets (full again) are dropped by the periodic sweep
    now[0] += 60
    for _ in range(LocalBackend.SWEEP_EVERY):
        b.take(other, 1e9, 1)
    assert len(b) == 1


def test_acquire_threads_share_one_budget() -> None:
    key = key_for("http://shared.example:80", tenant=uuid.uuid4())
    backend = LocalBackend()
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(6):
            acquire(key, 20.0, 4, timeout=5, using=backend)
            with lock:
                grants.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    grants.sort()
    span = grants[-1] - grants[0]
    # 18 grants, burst 4, then 20/s: at least (18 - 4) / 20 = 0.7 s
    assert len(grants) == 18 and span >= 0.65, span
    assert (len(grants) - 4) / span <= 20 * 1.1


def test_acquire_times_out_with_a_tenant_free_message() -> None:
    tenant = uuid.uuid4()
    key = key_for("http://slow.example:8080", tenant=tenant)
    backend = LocalBackend()
    acquire(key, 0.1, 1, timeout=1, using=backend)
    started = time.monotonic()
    with pytest.raises(RateBudgetTimeout) as err:
        acquire(key, 0.1, 1, timeout=1, using=backend)
    assert time.monotonic() - started < 0.5  # the next token is 10 s away: no point waiting 1 s
    message = str(err.value)
    assert "slow.example:8080" in message and "0.1 requests/s" in message and str(tenant) not in message
    assert err.value.transient


def test_acquire_stops_with_the_run() -> None:
    key = key_for("http://h:1", tenant=uuid.uuid4())
    backend = LocalBackend()
    acquire(key, 0.5, 1, timeout=30, using=backend)
    run = guard.RunGuard()
    threading.Timer(0.3, run.stop, args=("cancel",)).start()
    started = time.monotonic()
    with guard.guarding(run), pytest.raises(guard.RunCancelled):
        acquire(key, 0.5, 1, timeout=30, using=backend)
    assert 0.25 <= time.monotonic() - started < 0.8
    flag = threading.Event()
    threading.Timer(0.2, flag.set).start()
    with pytest.raises(guard.RunCancelled):
        acquire(key, 0.5, 1, timeout=30, using=backend, should_stop=flag.is_set)


def test_bad_numbers_are_refused() -> None:
    key = key_for("http://h:1", tenant=uuid.uuid4())
    with pytest.raises(ConfigError):
        acquire(key, 0, 1, using=LocalBackend())
    with pytest.raises(ConfigError):
        acquire(key, 1, 0, using=LocalBackend())


def test_backend_follows_the_settings() -> None:
    base = settings.EngineSettings.from_env({})
    with settings.using(replace(base, redis_url=None)):
        assert ratelimit.backend() is ratelimit.LOCAL
    with settings.using(replace(base, redis_url=REDIS_URL)):
        chosen = ratelimit.backend()
        assert isinstance(chosen, RedisBackend) and ratelimit.backend() is chosen  # one client per URL


# -- Redis ------------------------------------------------------------------------------------------

@pytest.fixture
def redis_backend() -> Iterator[RedisBackend]:
    require_service("Redis", 6379)
    backend = RedisBackend.from_url(REDIS_URL)
    yield backend
    backend.client.close()


def _drop(backend: RedisBackend, tenant: uuid.UUID) -> None:
    for k in backend.client.scan_iter(match=f"autonomos:rate:{tenant}:*"):
        backend.client.delete(k)


@pytest.mark.redis
def test_redis_bucket_refills_by_redis_time_and_expires(redis_backend: RedisBackend) -> None:
    tenant = uuid.uuid4()
    key = key_for("http://api.example:80", tenant=tenant)
    try:
        assert [redis_backend.take(key, 10.0, 2) for _ in range(2)] == [0.0, 0.0]
        wait = redis_backend.take(key, 10.0, 2)
        assert 0.05 < wait <= 0.1
        held = redis_backend.client.hgetall(key.redis_key)
        assert set(held) == {b"tokens", b"at"} and float(held[b"tokens"]) < 1
        # idle buckets vanish: the key lives until the bucket would be full again (2 / 10 s + 1 s)
        assert 0 < redis_backend.client.pttl(key.redis_key) <= 1200
        time.sleep(wait + 0.02)
        assert redis_backend.take(key, 10.0, 2) == 0.0
        # another tenant's, another host's and another name's buckets are separate keys
        for other in (key_for("http://api.example:80", tenant=uuid.uuid4()),
                      key_for("http://api.example:81", tenant=tenant),
                      key_for("http://api.example:80", name="search", tenant=tenant)):
            try:
                assert redis_backend.take(other, 10.0, 2) == 0.0
            finally:
                _drop(redis_backend, other.tenant)
        time.sleep(1.3)
        assert redis_backend.client.exists(key.redis_key) == 0
    finally:
        _drop(redis_backend, tenant)


@pytest.mark.redis
def test_redis_budget_is_shared_by_threads_with_their_own_clients(redis_backend: RedisBackend) -> None:
    tenant = uuid.uuid4()
    key = key_for("http://api.example:80", tenant=tenant)
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        own = RedisBackend.from_url(REDIS_URL)  # as separate workers would: one client each
        try:
            for _ in range(5):
                acquire(key, 20.0, 3, timeout=5, using=own)
                with lock:
                    grants.append(time.monotonic())
        finally:
            own.client.close()

    try:
        threads = [threading.Thread(target=worker) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        grants.sort()
        span = grants[-1] - grants[0]
        assert len(grants) == 15 and span >= (15 - 3) / 20 * 0.95, span
    finally:
        _drop(redis_backend, tenant)


def test_redis_down_is_a_clear_timeout() -> None:
    backend = RedisBackend.from_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(RateBudgetTimeout) as err:
        acquire(key_for("http://h:1", tenant=uuid.uuid4()), 5, 5, timeout=0.3, using=backend)
    assert "Redis" in str(err.value) and "did not answer" in str(err.value)
