"""Running one task: claim the row, hold its lease, call the kind, finish the row.

The row decides, never the Huey message: the claim is one conditional UPDATE
(``status='queued'`` and not before ``not_before``) whose row count says whether this worker won,
so two workers handed the same id never both run it; the lease is renewed from a thread while
the kind runs; ``finish`` only writes when this worker still owns the lease, so a worker that
lost its task to the reaper cannot overwrite the new owner's outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from sqlalchemy import select, update

from autonomos.core.errors import ConfigError
from autonomos.server.db.base import utcnow
from autonomos.server.db.session import Database
from autonomos.server.tasks import service
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.models import Task

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(db: Database, task_id: uuid.UUID, owner: str, lease_seconds: float) -> Task | None:
    """Atomically take a queued, due task; None when someone else has it (or it is not due/queued)."""
    now = utcnow()
    with db.system_session() as s:
        won = s.execute(
            update(Task)
            .where(Task.id == task_id, Task.status == "queued",
                   (Task.not_before.is_(None)) | (Task.not_before <= now))
            .values(status="in_progress", lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds),
                    heartbeat_at=now, attempts=Task.attempts + 1, started_at=now, error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        s.commit()
        if won != 1:
            return None
        return s.scalar(select(Task).where(Task.id == task_id))


class Lease:
    """This worker's hold on one task: renewed from a thread until :meth:`stop`."""

    def __init__(self, db: Database, task: Task, owner: str, settings: TaskSettings):
        self.db, self.task_id, self.tenant_id, self.owner, self.settings = db, task.id, task.tenant_id, owner, settings
        self.lost = False
        self._cancel = bool(task.cancel_requested)
        self._checked = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{task.id}", daemon=True)

    def start(self) -> Lease:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_interval):
            try:
                self.renew()
            except Exception as exc:  # the database hiccuped: try again next beat; the lease has slack
                log.warning("task %s: lease renewal failed: %s", self.task_id, exc)

    def _owned(self) -> Any:
        return (Task.id == self.task_id, Task.lease_owner == self.owner, Task.status == "in_progress")

    def renew(self) -> None:
        now = utcnow()
        with self._lock, self.db.session(self.tenant_id) as s:
            n = s.execute(update(Task).where(*self._owned()).values(
                lease_until=now + dt.timedelta(seconds=self.settings.lease_seconds), heartbeat_at=now)
                .execution_options(synchronize_session=False)).rowcount
            self._cancel = bool(s.scalar(select(Task.cancel_requested).where(Task.id == self.task_id)))
            s.commit()
            self._checked = time.monotonic()
        if n != 1 and not self.lost:
            log.warning("task %s: lease lost by %s (reaped and taken over?)", self.task_id, self.owner)
            self.lost = True

    def progress(self, fraction: float, message: str) -> None:
        with self._lock, self.db.session(self.tenant_id) as s:
            n = s.execute(update(Task).where(*self._owned()).values(progress=fraction, progress_message=message)
                          .execution_options(synchronize_session=False)).rowcount
            s.commit()
            task = s.get(Task, self.task_id) if n == 1 else None
        if n != 1:
            self.lost = True
        elif task is not None:
            service.notify_task(task)

    def cancel_requested(self) -> bool:
        if time.monotonic() - self._checked > 0.5:  # cheap enough to ask twice a second
            with self.db.session(self.tenant_id) as s:
                self._cancel = bool(s.scalar(select(Task.cancel_requested).where(Task.id == self.task_id)))
            self._checked = time.monotonic()
        return self._cancel

    def finish(self, **values: Any) -> Task | None:
        """Write the outcome if this worker still owns the task; the row, or None when it did not."""
        with self._lock, self.db.session(self.tenant_id) as s:
            n = s.execute(update(Task).where(*self._owned()).values(lease_owner=None, lease_until=None, **values)
                          .execution_options(synchronize_session=False)).rowcount
            s.commit()
            return s.get(Task, self.task_id) if n == 1 else None


def execute(db: Database, settings: TaskSettings, data_dir: Any, task_id: uuid.UUID, owner: str,
            requeue: Any = None) -> str:
    """Claim and run one task. Returns what happened (for logs and tests): ``not-claimed``,
    ``success``, ``failed``, ``retry``, ``cancelled`` or ``lease-lost``.

    ``requeue(task_id, delay)`` hands a retry back to Huey (the reaper would otherwise find it).
    """
    task = claim(db, task_id, owner, settings.lease_seconds)
    if task is None:
        log.debug("task %s: not claimed by %s (taken, finished, cancelled or not due)", task_id, owner)
        return "not-claimed"
    log.info("task %s (%s) attempt %d/%d claimed by %s", task.id, task.kind, task.attempts, task.max_attempts, owner)
    service.notify_task(task)
    lease = Lease(db, task, owner, settings).start()
    ctx = service.TaskRunContext(tenant_id=task.tenant_id, task_id=task.id, payload=dict(task.payload or {}),
                                 attempt=task.attempts, db=db, data_dir=data_dir, lease=lease)
    outcome: str
    values: dict[str, Any]
    try:
        result = service.run_kind(ctx, task.kind)
    except service.TaskCancelled:
        outcome, values = "cancelled", {"status": "cancelled", "finished_at": utcnow(), "error": "cancelled"}
    except (service.PermanentTaskError, ConfigError) as exc:
        outcome, values = "failed", {"status": "failed", "finished_at": utcnow(), "error": _describe(exc)}
    except Exception as exc:
        # Retry with backoff while attempts remain; the row, not Huey, remembers the count.
        log.warning("task %s attempt %d failed: %s", task.id, task.attempts, exc, exc_info=True)
        if lease.cancel_requested():
            outcome, values = "cancelled", {"status": "cancelled", "finished_at": utcnow(), "error": _describe(exc)}
        elif task.attempts < task.max_attempts:
            delay = settings.backoff(task.attempts)
            outcome, values = "retry", {"status": "queued", "error": _describe(exc), "started_at": None,
                                        "not_before": utcnow() + dt.timedelta(seconds=delay), "enqueued_at": utcnow()}
        else:
            outcome, values = "failed", {"status": "failed", "finished_at": utcnow(), "error": _describe(exc)}
    else:
        if lease.cancel_requested():
            outcome, values = "cancelled", {"status": "cancelled", "finished_at": utcnow(), "result": result}
        else:
            outcome, values = "success", {"status": "success", "finished_at": utcnow(), "result": result,
                                          "progress": 1.0, "error": None}
    finally:
        lease.stop()
    row = lease.finish(**values)
    if row is None:
        log.warning("task %s: %s discarded, %s no longer owns the task", task_id, outcome, owner)
        return "lease-lost"
    log.info("task %s: %s", task_id, outcome)
    service.notify_task(row)
    if outcome == "retry":
        if requeue is not None:
            requeue(task_id, settings.backoff(task.attempts))
    else:
        from autonomos.server.tasks.callbacks import on_task_finished

        on_task_finished(row)
    return outcome


def _describe(exc: BaseException) -> str:
    """The error a task's owner sees: type and message, no source location (the server's log has
    the traceback; file names and line numbers tell an outsider how the server is built)."""
    return f"{type(exc).__name__}: {exc}"[:4000]
