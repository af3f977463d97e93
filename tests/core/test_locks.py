"""Writer locks: file lock (embedded) and Redis lock with renewal and fencing (production)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from autonomos.core.errors import CatalogBusyError
from autonomos.core.locks import FileWriterLock, RedisWriterLock
from tests.conftest import require_service


def test_file_lock_is_exclusive(tmp_path: Path) -> None:
    a, b = FileWriterLock(tmp_path / "w.lock"), FileWriterLock(tmp_path / "w.lock")
    a.acquire()
    with pytest.raises(CatalogBusyError, match="another run"):
        b.acquire(timeout=0.1)
    a.release()
    b.acquire()
    b.release()


@pytest.fixture
def redis_client():
    require_service("Redis", 6379)
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    client.close()


def test_redis_lock_exclusive_renewed_and_fenced(redis_client) -> None:
    key = f"autonomos:test:lock:{uuid.uuid4().hex}"
    a = RedisWriterLock(redis_client, key, ttl_ms=600)
    b = RedisWriterLock(redis_client, key, ttl_ms=600)
    a.acquire()
    first_fence = a.fence
    with pytest.raises(CatalogBusyError):
        b.acquire(timeout=0.2)
    time.sleep(1.2)  # longer than the ttl: still held because the renewer extends it
    assert a.held()
    a.release()
    assert not a.held()
    b.acquire(timeout=1)
    assert b.fence == first_fence + 1
    b.release()
    redis_client.delete(key + ":fence")


def test_redis_lock_expires_when_holder_stops_renewing(redis_client) -> None:
    key = f"autonomos:test:lock:{uuid.uuid4().hex}"
    a = RedisWriterLock(redis_client, key, ttl_ms=300)
    a.acquire()
    a._stop.set()  # simulate a worker that died: nobody renews any more
    a._renewer.join()
    b = RedisWriterLock(redis_client, key, ttl_ms=300)
    b.acquire(timeout=2)
    a.release()  # the stale holder's release must not free b's lock
    assert b.held()
    b.release()
    redis_client.delete(key + ":fence")


def test_catalog_uses_redis_lock_when_configured(monkeypatch: pytest.MonkeyPatch, redis_client) -> None:
    from autonomos.core.catalog import TenantCatalog

    monkeypatch.setenv("AUTONOMOS_REDIS_URL", "redis://127.0.0.1:6379/0")
    lock = TenantCatalog("acme").writer_lock()
    assert isinstance(lock, RedisWriterLock) and str(TenantCatalog("acme").tenant_id) in lock.key
