"""Running one task: claim the row, hold its lease, call the kind, finish the row.

The row decides, never the Huey message: the claim is one conditional UPDATE
(``status='queued'`` and not before ``not_before``) whose row count says whether this worker won,
so two workers handed the same id never both run it; the lease is renewed from a thread while
the kind runs; ``finish`` only writes when this worker still owns the lease, so a worker that
lost its task to the reaper cannot overwrite the new owner's outcome.

What one task may take (issue 8, item 5): the claim also requires that the task's organization
runs fewer than ``tenant_concurrency`` tasks, so one organization's queue cannot hold every
worker (a refused claim leaves the task queued; the organization's next finish hands it to Huey
again). While the kind runs, the lease thread is also its watchdog: twice a second it reads the
row's ``cancel_requested`` and checks the time ceiling, and stops the run's
:class:`~autonomos.core.guard.RunGuard` (which interrupts the DuckDB statement in progress) on a
cancel, a timeout or a lost lease; :func:`stop_running` does the same on shutdown. The outcome
follows the reason whatever the kind raised: ``cancelled``; ``failed`` without retry on a
timeout; back to ``queued`` on shutdown, the attempt not counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any, Callable

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import aliased

from autonomos.core import guard
from autonomos.core.errors import AutonomosError
from autonomos.core.guard import RunGuard
from autonomos.server.db.base import utcnow
from autonomos.server.db.session import Database
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.registry import PermanentTaskError, TaskCancelled, TaskRunContext, notify_task, run_kind

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


_ADVISORY_NAMESPACE = 0x6175746F6E6F6D6F  # "autonomo": the tenant claim locks' key space


def _tenant_lock_key(tenant_id: uuid.UUID) -> int:
    """A signed 64-bit PostgreSQL advisory-lock key for claims of one organization's tasks."""
    key = int.from_bytes(tenant_id.bytes[:8], "big") ^ _ADVISORY_NAMESPACE
    return key - (1 << 64) if key >= 1 << 63 else key


def claim(db: Database, task_id: uuid.UUID, owner: str, lease_seconds: float,
          tenant_concurrency: int = 0) -> Task | None:
    """Atomically take a queued, due task; None when someone else has it (or it is not due/queued),
    or when its organization already runs ``tenant_concurrency`` tasks (0: no limit).

    The running count is part of the one conditional UPDATE. SQLite runs one writer at a time;
    on PostgreSQL two claims for one organization would each count the other's claim as not yet
    committed, so they first take a transaction-scoped advisory lock on the organization."""
    now = utcnow()
    with db.system_session() as s:
        due = (Task.id == task_id, Task.status == "queued", (Task.not_before.is_(None)) | (Task.not_before <= now))
        if tenant_concurrency > 0:
            tenant_id = s.scalar(select(Task.tenant_id).where(Task.id == task_id))
            if tenant_id is None:
                return None
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _tenant_lock_key(tenant_id)})
            other = aliased(Task)
            running = (select(func.count()).select_from(other)
                       .where(other.tenant_id == tenant_id, other.status == "in_progress").scalar_subquery())
            due = (*due, running < tenant_concurrency)
        won = s.execute(
            update(Task)
            .where(*due)
            .values(status="in_progress", lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds),
                    heartbeat_at=now, attempts=Task.attempts + 1, started_at=now, error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        s.commit()
        if won != 1:
            return None
        return s.scalar(select(Task).where(Task.id == task_id))


def waiting_for_tenant(db: Database, task_id: uuid.UUID) -> bool:
    """True when ``task_id`` is queued and due: a claim that missed it was refused for its organization."""
    now = utcnow()
    with db.system_session() as s:
        return s.scalar(select(func.count()).select_from(Task).where(
            Task.id == task_id, Task.status == "queued",
            (Task.not_before.is_(None)) | (Task.not_before <= now))) == 1


def next_of_tenant(db: Database, tenant_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """The organization's oldest queued, due tasks (at most ``limit``): those a finish frees a slot for."""
    now = utcnow()
    with db.system_session() as s:
        return list(s.scalars(select(Task.id).where(
            Task.tenant_id == tenant_id, Task.status == "queued",
            (Task.not_before.is_(None)) | (Task.not_before <= now)).order_by(Task.created_at).limit(limit)))


class Lease:
    """This worker's hold on one task: renewed from a thread until :meth:`stop`. The same thread
    watches the run: it stops ``guard`` on a cancel request, past the time ceiling, or when the
    lease is lost, and keeps interrupting until the kind returns."""

    def __init__(self, db: Database, task: Task, owner: str, settings: TaskSettings,
                 run_guard: RunGuard | None = None):
        self.db, self.task_id, self.tenant_id, self.owner, self.settings = db, task.id, task.tenant_id, owner, settings
        self.attempts = task.attempts
        self.guard = run_guard or RunGuard(settings.run_limits())
        self.lost = False
        self._cancel = bool(task.cancel_requested)
        self._checked = time.monotonic()
        self._started = time.monotonic()
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
        next_beat = time.monotonic() + self.settings.heartbeat_interval
        while not self._stop.wait(self.settings.cancel_poll):
            try:
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.settings.heartbeat_interval
                    self.renew()
                else:
                    self.cancel_requested()
            except Exception as exc:  # the database hiccuped: try again next beat; the lease has slack
                log.warning("task %s: lease renewal failed: %s", self.task_id, exc)
            self.watch()

    def watch(self) -> None:
        """Stop the run when it should stop; once stopped, interrupt whatever statement it started since."""
        if self.guard.stopped:
            self.guard.interrupt()
        elif self._cancel:
            log.info("task %s: cancel requested; stopping the run", self.task_id)
            self.guard.stop("cancel")
        elif self.lost:
            self.guard.stop("lease lost")
        elif self.settings.task_timeout and time.monotonic() - self._started > self.settings.task_timeout:
            log.warning("task %s: over AUTONOMOS_TASK_TIMEOUT (%.0f s); stopping the run", self.task_id,
                        self.settings.task_timeout)
            self.guard.stop("timeout")

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
            notify_task(task)

    def cancel_requested(self) -> bool:
        if time.monotonic() - self._checked > 0.45:  # cheap enough to ask twice a second
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


_running: dict[str, set[Lease]] = {}
_stopping: set[str] = set()  # worker ids shutting down: they claim nothing more
_running_lock = threading.Lock()


def stop_running(owner: str, reason: str = "shutdown") -> int:
    """Stop every task ``owner`` (one worker id) runs now; returns how many. Their rows go back to
    ``queued`` (reason ``shutdown``) when the kinds return; see :func:`execute`. After a
    shutdown the worker claims nothing more (a requeued task would otherwise be claimed again by
    a consumer thread that is about to be abandoned)."""
    with _running_lock:
        if reason == "shutdown":
            _stopping.add(owner)
        leases = list(_running.get(owner, ()))
    for lease in leases:
        log.info("task %s: stopping (%s)", lease.task_id, reason)
        lease.guard.stop(reason)
    return len(leases)


def running_count(owner: str) -> int:
    with _running_lock:
        return len(_running.get(owner, ()))


def requeue_unfinished(owner: str) -> int:
    """Put the tasks ``owner`` still runs back to ``queued`` (this attempt not counted); returns
    how many rows it changed. Called when the shutdown grace ran out and the process is about to
    exit with their threads: the next worker takes them now instead of after the lease expires.
    Should a kind return after all, its outcome is discarded (the worker no longer owns the row)."""
    with _running_lock:
        leases = list(_running.get(owner, ()))
    changed = 0
    for lease in leases:
        try:
            row = lease.finish(**_interrupted(lease.attempts))
        except Exception as exc:  # the database is gone too: the reaper re-queues it later
            log.warning("task %s: could not put it back to the queue: %s", lease.task_id, exc)
            continue
        if row is not None:
            changed += 1
            log.warning("task %s did not stop within the shutdown grace; put back to the queue", lease.task_id)
            notify_task(row)
    return changed


def _interrupted(attempts: int) -> dict[str, Any]:
    """The row of a task stopped by a shutdown: queued again, this attempt not counted."""
    return {"status": "queued", "attempts": max(0, attempts - 1), "started_at": None, "not_before": None,
            "enqueued_at": None, "error": "interrupted: the worker shut down; the task runs again"}


def execute(db: Database, settings: TaskSettings, data_dir: Any, task_id: uuid.UUID, owner: str,
            requeue: Callable[[uuid.UUID, float | None], None] | None = None,
            on_finished: Callable[[Task], None] | None = None) -> str:
    """Claim and run one task. Returns what happened (for logs and tests): ``not-claimed``,
    ``tenant-busy`` (its organization runs ``tenant_concurrency`` tasks already; it stays queued),
    ``success``, ``failed``, ``retry``, ``cancelled``, ``interrupted`` (stopped by a shutdown, back
    to ``queued``), ``stopping`` (this worker shuts down and claims nothing) or ``lease-lost``.

    ``requeue(task_id, delay)`` hands a retry back to Huey (the reaper would otherwise find it),
    and, after a finish, the organization's next waiting tasks; ``on_finished(row)`` queues the
    callback of a task that ended (success, failed, cancelled). Both are the runtime's, handed in
    by :class:`~autonomos.server.tasks.huey_app.TaskRuntime`; without them nothing is requeued or
    called back.
    """
    with _running_lock:
        if owner in _stopping:
            log.debug("task %s: not claimed, %s is shutting down (another worker's reaper hands it on)", task_id, owner)
            return "stopping"
    task = claim(db, task_id, owner, settings.lease_seconds, settings.tenant_concurrency)
    if task is None:
        if settings.tenant_concurrency and waiting_for_tenant(db, task_id):
            log.debug("task %s: its organization runs %d task(s) already; it waits", task_id,
                      settings.tenant_concurrency)
            return "tenant-busy"
        log.debug("task %s: not claimed by %s (taken, finished, cancelled or not due)", task_id, owner)
        return "not-claimed"
    log.info("task %s (%s) attempt %d/%d claimed by %s", task.id, task.kind, task.attempts, task.max_attempts, owner)
    notify_task(task)
    lease = Lease(db, task, owner, settings)
    with _running_lock:
        _running.setdefault(owner, set()).add(lease)
    lease.start()
    ctx = TaskRunContext(tenant_id=task.tenant_id, task_id=task.id, payload=dict(task.payload or {}),
                         attempt=task.attempts, db=db, data_dir=data_dir, lease=lease)
    started = time.monotonic()
    outcome: str
    values: dict[str, Any]
    try:
        with guard.guarding(lease.guard):
            result = run_kind(ctx, task.kind)
    except Exception as exc:
        outcome, values = _failure(task, lease, settings, exc, time.monotonic() - started)
    else:
        if lease.cancel_requested():
            outcome, values = "cancelled", {"status": "cancelled", "finished_at": utcnow(), "result": result}
        else:
            outcome, values = "success", {"status": "success", "finished_at": utcnow(), "result": result,
                                          "progress": 1.0, "error": None}
    finally:
        lease.stop()
        with _running_lock:
            _running.get(owner, set()).discard(lease)
    row = lease.finish(**values)
    if row is None:
        log.warning("task %s: %s discarded, %s no longer owns the task", task_id, outcome, owner)
        return "lease-lost"
    log.info("task %s: %s", task_id, outcome)
    notify_task(row)
    if outcome == "retry":
        if requeue is not None:
            requeue(task_id, settings.backoff(task.attempts))
    elif outcome != "interrupted" and on_finished is not None:
        on_finished(row)
    if settings.tenant_concurrency and requeue is not None and outcome != "interrupted":
        # a slot of this organization is free: hand its oldest waiting tasks over now, not at the
        # reaper's next re-enqueue (their earlier claims were refused and Huey forgot them)
        for waiting in next_of_tenant(db, task.tenant_id, settings.tenant_concurrency):
            if waiting != task_id:
                requeue(waiting, None)
    return outcome


def _failure(task: Task, lease: Lease, settings: TaskSettings, exc: Exception,
             seconds: float) -> tuple[str, dict[str, Any]]:
    """The outcome of a kind that raised: the guard's reason first (a stopped run raises whatever
    the interrupted statement raised), then the exception's kind."""
    now = utcnow()
    reason = lease.guard.reason
    if reason == "shutdown":
        # not the task's fault: it runs again on the next worker, this attempt not counted
        return "interrupted", _interrupted(task.attempts)
    if reason == "timeout":
        return "failed", {"status": "failed", "finished_at": now,
                          "error": f"TaskTimeout: stopped after {seconds:.0f} s, over the ceiling of "
                                   f"{settings.task_timeout:g} s (AUTONOMOS_TASK_TIMEOUT)"}
    if reason == "cancel" or isinstance(exc, TaskCancelled):
        return "cancelled", {"status": "cancelled", "finished_at": now, "error": "cancelled"}
    if isinstance(exc, PermanentTaskError) or (isinstance(exc, AutonomosError) and not exc.transient):
        # the engine's own errors are permanent unless they say otherwise (a bad config, an
        # unterminated quote, refused credentials fail once; a refused connection retries)
        return "failed", {"status": "failed", "finished_at": now, "error": _describe(exc)}
    # Retry with backoff while attempts remain; the row, not Huey, remembers the count.
    log.warning("task %s attempt %d failed: %s", task.id, task.attempts, exc, exc_info=True)
    if lease.cancel_requested():
        return "cancelled", {"status": "cancelled", "finished_at": now, "error": _describe(exc)}
    if task.attempts < task.max_attempts:
        delay = settings.backoff(task.attempts)
        return "retry", {"status": "queued", "error": _describe(exc), "started_at": None,
                         "not_before": now + dt.timedelta(seconds=delay), "enqueued_at": now}
    return "failed", {"status": "failed", "finished_at": now, "error": _describe(exc)}


def _describe(exc: BaseException) -> str:
    """The error a task's owner sees: type and message, no source location (the server's log has
    the traceback; file names and line numbers tell an outsider how the server is built)."""
    return f"{type(exc).__name__}: {exc}"[:4000]
