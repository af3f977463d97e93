"""Writer locks: one writer per tenant catalog.

Embedded mode uses a file lock in the tenant's folder; production mode (the server issue)
plugs in a Redis lock with the same interface.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import filelock

from autonomos.core.errors import CatalogBusyError

log = logging.getLogger(__name__)


class WriterLock(Protocol):
    def acquire(self, timeout: float) -> None: ...
    def release(self) -> None: ...


class FileWriterLock:
    """An OS file lock (released by the kernel if the process dies)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = filelock.FileLock(str(path))

    def acquire(self, timeout: float = 0) -> None:
        try:
            self._lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise CatalogBusyError(
                f"another run is writing this tenant's catalog (lock {self.path}); try again when it finishes"
            ) from None

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> "FileWriterLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class RedisWriterLock:
    """A Redis lock for production mode: many workers on many machines, one writer per tenant.

    ``SET key token NX PX ttl`` takes it; a background thread renews it while held (a worker
    that dies stops renewing and the lock expires after ``ttl``); release deletes it only if
    the token is still ours (a Lua compare-and-delete). Each acquisition also gets a fencing
    token (``INCR`` of a counter) so a writer that lost its lock can be recognised.
    """

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
    _RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"

    def __init__(self, client: "object", key: str, ttl_ms: int = 30_000):
        import threading
        import uuid

        self.client = client
        self.key = key
        self.ttl_ms = ttl_ms
        self.token = uuid.uuid4().hex
        self.fence: int | None = None
        self._stop = threading.Event()
        self._renewer: "threading.Thread | None" = None

    def acquire(self, timeout: float = 0) -> None:
        import threading
        import time

        deadline = time.monotonic() + timeout
        while not self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):  # type: ignore[attr-defined]
            if time.monotonic() >= deadline:
                raise CatalogBusyError(f"another run is writing this tenant's catalog (lock {self.key})")
            time.sleep(0.1)
        self.fence = int(self.client.incr(self.key + ":fence"))  # type: ignore[attr-defined]
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name=f"lock-renew {self.key}", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        """Renew every third of the TTL. Redis unreachable (restarting): keep trying, the run goes
        on. The key gone (Redis restarted empty, or it expired while we stalled): take it back
        if nobody else has, so no second writer starts while this one still writes."""
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                if self.client.eval(self._RENEW, 1, self.key, self.token, self.ttl_ms):  # type: ignore[attr-defined]
                    continue
                if not self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):  # type: ignore[attr-defined]
                    log.warning("writer lock %s is held by another writer now", self.key)
                    return  # lost it for good; release will be a no-op
                log.warning("writer lock %s was gone (Redis restarted?); taken again", self.key)
            except Exception as exc:  # redis.ConnectionError and kin: the thread must not die of it
                log.warning("writer lock %s: renewal failed (%s); trying again", self.key, exc)

    def release(self) -> None:
        """Stop renewing and delete the key if it is still ours. Best effort: with Redis down the
        run's work is done anyway, and the key expires after its TTL."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        try:
            self.client.eval(self._RELEASE, 1, self.key, self.token)  # type: ignore[attr-defined]
        except Exception as exc:
            log.warning("writer lock %s: release failed (%s); it expires in %d ms", self.key, exc, self.ttl_ms)

    def held(self) -> bool:
        return self.client.get(self.key) == self.token.encode()  # type: ignore[attr-defined]

    def __enter__(self) -> "RedisWriterLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
