"""Writer locks: one writer per tenant catalog.

Embedded mode uses a file lock in the tenant's folder; production mode (the server issue)
plugs in a Redis lock with the same interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import filelock

from autonomos.core.errors import CatalogBusyError


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
