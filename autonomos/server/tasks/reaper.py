"""The maintenance loop every worker process runs: heartbeat, reap expired leases, re-enqueue.

Every ``reaper_interval`` seconds:

* **heartbeat** — this worker is alive: a row in ``worker_heartbeats`` (embedded) or a Redis key
  with a TTL (production), which ``/ready`` reads;
* **reap** — an ``in_progress`` task whose lease expired lost its worker: back to ``queued`` with
  ``not_before = now + backoff(attempts)`` while attempts remain, else ``failed`` (``cancelled``
  when a cancel was requested). Each change is a conditional UPDATE, so several reapers in several
  processes never double-handle a task, and a late renewal by a slow-but-alive worker wins;
* **re-enqueue** — a ``queued`` task (or ``pending`` webhook delivery) that was handed to Huey
  ``requeue_after`` seconds ago and is still waiting: Huey lost the message (it is at-most-once),
  hand the id over again. Duplicates are harmless: the claim lets one through;
* **rounds** — then the runtime's ``maintenance_rounds`` (name → ``fn(runtime)``), which the
  composition root lists (``autonomos.server.services.MAINTENANCE_ROUNDS``: the schedules'
  arbiter). Each round's failure is logged and does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
from typing import Any

from sqlalchemy import delete, or_, select, update

from autonomos.server.db.base import utcnow
from autonomos.server.tasks.callbacks import on_task_finished
from autonomos.server.tasks.models import Task, WebhookDelivery, WorkerHeartbeat
from autonomos.server.tasks.registry import Runtime, notify_task

log = logging.getLogger(__name__)

REDIS_WORKER_PREFIX = "autonomos:worker:"


def reap_expired(runtime: Runtime) -> int:
    """Re-queue (or fail) tasks whose lease expired. Returns how many were handled."""
    now = utcnow()
    handled = 0
    with runtime.db.system_session() as s:
        expired = s.execute(select(Task.id, Task.attempts, Task.max_attempts, Task.cancel_requested)
                            .where(Task.status == "in_progress", Task.lease_until < now)).all()
    for task_id, attempts, max_attempts, cancel in expired:
        owned_and_expired = (Task.id == task_id, Task.status == "in_progress", Task.lease_until < now)
        error = "lease expired: the worker stopped heartbeating (killed or stuck)"
        if cancel or attempts >= max_attempts:
            status = "cancelled" if cancel else "failed"
            values: dict[str, Any] = {"status": status, "finished_at": now, "lease_owner": None, "lease_until": None,
                                      "error": error if not cancel else "cancelled (worker lost)"}
            delay = None
        else:
            delay = runtime.settings.backoff(attempts)
            values = {"status": "queued", "lease_owner": None, "lease_until": None, "started_at": None,
                      "not_before": now + dt.timedelta(seconds=delay), "error": error}
        with runtime.db.system_session() as s:
            n = s.execute(update(Task).where(*owned_and_expired).values(**values)
                          .execution_options(synchronize_session=False)).rowcount
            s.commit()
            row = s.get(Task, task_id) if n == 1 else None
        if row is None:
            continue
        handled += 1
        log.warning("reaper: task %s lease expired after attempt %d/%d → %s", task_id, attempts, max_attempts,
                    row.status)
        notify_task(row)
        if delay is not None:
            runtime.enqueue(task_id, delay=delay)
        else:
            on_task_finished(runtime, row)
    return handled


def requeue_lost(runtime: Runtime) -> int:
    """Hand queued tasks and pending deliveries that waited too long to Huey again."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=runtime.settings.requeue_after)
    count = 0
    with runtime.db.system_session() as s:
        waiting = s.execute(select(Task.id, Task.enqueued_at).where(
            Task.status == "queued",
            or_(Task.enqueued_at.is_(None), Task.enqueued_at <= stale),
            or_(Task.not_before.is_(None), Task.not_before <= stale))).all()
        for task_id, enqueued_at in waiting:
            cond = Task.enqueued_at.is_(None) if enqueued_at is None else Task.enqueued_at == enqueued_at
            # only the reaper that moves enqueued_at hands the id over
            n = s.execute(update(Task).where(Task.id == task_id, Task.status == "queued", cond)
                          .values(enqueued_at=now).execution_options(synchronize_session=False)).rowcount
            s.commit()
            if n == 1:
                log.info("reaper: task %s still queued %.0f s after enqueue; enqueueing again", task_id,
                         runtime.settings.requeue_after)
                runtime.enqueue(task_id)
                count += 1
        stuck_sending = now - dt.timedelta(seconds=runtime.settings.webhook_timeout * 4 + runtime.settings.requeue_after)
        s.execute(update(WebhookDelivery).where(WebhookDelivery.status == "sending",
                                                WebhookDelivery.started_at < stuck_sending)
                  .values(status="pending", due_at=now).execution_options(synchronize_session=False))
        s.commit()
        deliveries = s.scalars(select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                                                WebhookDelivery.due_at <= stale)).all()
        for delivery_id in deliveries:
            n = s.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                                        WebhookDelivery.status == "pending",
                                                        WebhookDelivery.due_at <= stale)
                          .values(due_at=now).execution_options(synchronize_session=False)).rowcount
            s.commit()
            if n == 1:
                runtime.enqueue_delivery(delivery_id)
                count += 1
    return count


def worker_key(queue_name: str, worker_id: str = "") -> str:
    return f"{REDIS_WORKER_PREFIX}{queue_name}:{worker_id}"


class Maintenance:
    """The thread running heartbeat + reaper + re-enqueue every ``reaper_interval`` seconds."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.started_at = utcnow()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="autonomos-maintenance", daemon=True)
        self._redis: Any = None

    def start(self) -> Maintenance:
        self.beat()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        try:
            self._forget()
        except Exception as exc:
            log.debug("could not remove the worker heartbeat: %s", exc)

    def run_once(self) -> None:
        self.beat()
        reap_expired(self.runtime)
        requeue_lost(self.runtime)
        for name, round_fn in dict(getattr(self.runtime, "maintenance_rounds", None) or {}).items():
            try:
                round_fn(self.runtime)
            except Exception as exc:  # a round's failure must not stop the reaper or the others
                log.warning("maintenance round %s failed: %s", name, exc)

    def _loop(self) -> None:
        while not self._stop.wait(self.runtime.settings.reaper_interval):
            try:
                self.run_once()
            except Exception as exc:  # the database or Redis hiccuped: try again next round
                log.warning("maintenance round failed: %s", exc)

    # -- heartbeat ------------------------------------------------------------------------------
    def _ttl(self) -> int:
        return max(15, int(self.runtime.settings.reaper_interval * 3) + 1)

    def beat(self) -> None:
        rt = self.runtime
        now = utcnow()
        if rt.mode == "production":
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(rt.server_settings.redis.url)
            self._redis.set(worker_key(rt.settings.queue_name, rt.worker_id), json.dumps(
                {"host": socket.gethostname(), "pid": os.getpid(), "started_at": self.started_at.isoformat(),
                 "beat_at": now.isoformat()}), ex=self._ttl())
            return
        with rt.db.system_session() as s:
            row = s.get(WorkerHeartbeat, rt.worker_id)
            if row is None:
                s.add(WorkerHeartbeat(worker_id=rt.worker_id, mode=rt.mode, host=socket.gethostname()[:200],
                                      pid=os.getpid(), started_at=self.started_at, beat_at=now))
            else:
                row.beat_at = now
            s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - dt.timedelta(days=1)))
            s.commit()

    def _forget(self) -> None:
        rt = self.runtime
        if rt.mode == "production":
            if self._redis is not None:
                self._redis.delete(worker_key(rt.settings.queue_name, rt.worker_id))
                self._redis.close()
            return
        with rt.db.system_session() as s:
            s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == rt.worker_id))
            s.commit()


def live_workers(state: Any) -> str:
    """Readiness check: at least one worker heartbeat is fresh (Redis in production, the DB otherwise)."""
    settings = state.settings
    runtime = getattr(state, "task_runtime", None)
    queue = runtime.settings.queue_name if runtime is not None else "autonomos"
    if settings.redis.url:
        import redis

        client = redis.Redis.from_url(settings.redis.url, socket_timeout=2, socket_connect_timeout=2)
        try:
            keys = list(client.scan_iter(match=worker_key(queue, "*"), count=100))
        finally:
            client.close()
        if not keys:
            raise RuntimeError("no live worker: start `autonomos worker` (no heartbeat in Redis)")
        return f"{len(keys)} live worker(s)"
    interval = runtime.settings.reaper_interval if runtime is not None else 5.0
    fresh = utcnow() - dt.timedelta(seconds=max(15.0, interval * 3))
    with state.db.system_session() as s:
        n = len(s.scalars(select(WorkerHeartbeat.worker_id).where(WorkerHeartbeat.beat_at >= fresh)).all())
    if n == 0:
        raise RuntimeError("no live worker (the in-process worker is off: AUTONOMOS_EMBEDDED_WORKER=0?)")
    return f"{n} live worker(s)"
