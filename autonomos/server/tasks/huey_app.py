"""The Huey side of tasks: one :class:`TaskRuntime` per process carries ids to the consumers.

* Embedded mode (no ``AUTONOMOS_REDIS_URL``): ``SqliteHuey`` in ``<data dir>/huey.sqlite`` and a
  consumer running as threads inside the server process (started on app startup, stopped on
  shutdown), plus the maintenance thread (reaper + worker heartbeat).
* Production mode: ``RedisHuey`` (blocking pops, so a claim follows an enqueue within
  milliseconds); servers only enqueue, ``autonomos worker`` processes consume and reap.

Huey messages carry only ids (``autonomos.run_task(task_id)``,
``autonomos.deliver_webhook(delivery_id)``); Huey's own retries are off: the task row decides.

This module composes the layers below it: the Huey tasks call :func:`worker.execute
<autonomos.server.tasks.worker.execute>` (handing it the runtime's ``enqueue`` and the callback
hook) and :func:`webhooks.deliver <autonomos.server.tasks.webhooks.deliver>`; the maintenance
thread is the reaper's. Nothing below imports it back: they receive the runtime (typed as
:class:`~autonomos.server.tasks.registry.Runtime`). The composition places above (the
``TasksPlugin``, ``autonomos worker``) build a runtime and inject it into the service with
:func:`autonomos.server.tasks.service.install_runtime`.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any, Callable

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from sqlalchemy import update

from autonomos.server.db.base import utcnow
from autonomos.server.db.session import Database
from autonomos.server.settings import Settings
from autonomos.server.tasks.callbacks import on_task_finished
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.reaper import Maintenance
from autonomos.server.tasks.webhooks import deliver
from autonomos.server.tasks.worker import execute, new_worker_id, requeue_unfinished, running_count, stop_running

log = logging.getLogger(__name__)

RUN_TASK = "autonomos.run_task"
DELIVER_WEBHOOK = "autonomos.deliver_webhook"


class TaskConsumer(Consumer):
    """Huey's consumer, stopping our running tasks first when it stops.

    Huey's graceful stop waits for running tasks to finish: a run of 13 minutes kept a SIGTERMed
    server alive that long. Here a stop first stops every task this worker runs (their DuckDB
    statements are interrupted and their rows go back to ``queued``), then waits at most
    ``shutdown_timeout`` (``AUTONOMOS_TASK_SHUTDOWN_GRACE``) for the threads; a task that does
    not stop in time is put back to ``queued`` by this worker and the process exits anyway
    (consumer threads are daemons). A worker killed outright leaves its tasks to the reaper.
    """

    def __init__(self, *args: Any, worker_id: str = "", own_signals: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.worker_id = worker_id
        self.own_signals = own_signals

    def _set_signal_handlers(self) -> None:
        if self.own_signals:  # else the host (uvicorn, the test runner) keeps its handlers
            super()._set_signal_handlers()

    def stop(self, graceful: bool = False) -> None:
        stopped = stop_running(self.worker_id, "shutdown")
        if stopped:
            log.info("stopping %d running task(s) of %s; waiting up to %s s", stopped, self.worker_id,
                     self.shutdown_timeout)
        super().stop(graceful=graceful)
        if running_count(self.worker_id):
            requeue_unfinished(self.worker_id)


class TaskRuntime:
    """Huey instance, database and settings of this process; enqueues ids and runs consumers.

    ``mode`` is ``embedded`` or ``production`` (decided by ``settings.redis.url``).
    """

    def __init__(self, settings: Settings, task_settings: TaskSettings | None = None, db: Database | None = None,
                 huey: Huey | None = None, maintenance_rounds: dict[str, Callable[[Any], Any]] | None = None):
        self.settings = task_settings or TaskSettings.from_env()
        self.server_settings = settings
        self.db = db or Database(settings.db)
        self.mode = "production" if settings.redis.url else "embedded"
        self.worker_id = new_worker_id()
        self.huey = huey or self._build_huey()
        self._register_tasks()
        self.consumer: Consumer | None = None
        self.maintenance: Maintenance | None = None
        # what the maintenance thread runs after reaping (the schedules' arbiter): Services.maintenance_rounds
        self.maintenance_rounds = dict(maintenance_rounds or {})

    def _build_huey(self) -> Huey:
        if self.server_settings.redis.url:
            return RedisHuey(self.settings.queue_name, url=self.server_settings.redis.url, results=False, blocking=True,
                             read_timeout=1)
        path = Path(self.server_settings.data_dir) / "huey.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(self.settings.queue_name, filename=str(path), results=False, timeout=30)

    def _register_tasks(self) -> None:
        runtime = self

        def run_task(task_id: str) -> str:
            return execute(runtime.db, runtime.settings, runtime.server_settings.data_dir, uuid.UUID(task_id),
                           runtime.worker_id, requeue=runtime.enqueue, on_finished=runtime.task_finished)

        def deliver_webhook(delivery_id: str) -> str:
            return deliver(runtime, uuid.UUID(delivery_id))

        self.run_task = self.huey.task(name=RUN_TASK)(run_task)
        self.deliver_webhook = self.huey.task(name=DELIVER_WEBHOOK)(deliver_webhook)

    # -- enqueueing ---------------------------------------------------------------------------
    def enqueue(self, task_id: uuid.UUID, delay: float | None = None) -> None:
        """Hand a task id to Huey (``delay`` seconds later). Records ``enqueued_at`` on the row."""
        with self.db.system_session() as s:
            s.execute(update(Task).where(Task.id == task_id).values(enqueued_at=utcnow())
                      .execution_options(synchronize_session=False))
            s.commit()
        if delay:
            self.run_task.schedule(args=(str(task_id),), delay=delay)
        else:
            self.run_task(str(task_id))

    def task_finished(self, task: Task) -> None:
        """Queue the callback of a task that ended (the worker's ``on_finished`` hook)."""
        on_task_finished(self, task)

    def enqueue_delivery(self, delivery_id: uuid.UUID, delay: float | None = None) -> None:
        if delay:
            self.deliver_webhook.schedule(args=(str(delivery_id),), delay=delay)
        else:
            self.deliver_webhook(str(delivery_id))

    # -- consuming ------------------------------------------------------------------------------
    def create_consumer(self, workers: int | None = None, own_signals: bool = False) -> Consumer:
        """Thread consumer; ``own_signals`` (the ``autonomos worker`` main thread) lets Huey handle
        SIGINT and SIGTERM (both stop running tasks, see :class:`TaskConsumer`), else the host
        keeps its handlers."""
        return TaskConsumer(self.huey, workers=workers or self.settings.worker_threads, periodic=False,
                            initial_delay=min(0.05, self.settings.poll_max_delay), backoff=1.5,
                            max_delay=self.settings.poll_max_delay, worker_type="thread",
                            check_worker_health=own_signals, graceful_signal="TERM",
                            shutdown_timeout=self.settings.shutdown_grace, worker_id=self.worker_id,
                            own_signals=own_signals)

    def start_maintenance(self) -> None:
        self.maintenance = Maintenance(self).start()

    def start_consumer(self, workers: int | None = None) -> None:
        """Run consumer threads and the maintenance thread inside this process (embedded mode)."""
        self.consumer = self.create_consumer(workers)
        self.consumer.start()
        self.start_maintenance()
        log.info("in-process task worker %s started (%s mode)", self.worker_id, self.mode)

    def stop(self) -> None:
        """Stop running tasks (back to ``queued``), the maintenance thread and the consumer; returns
        within about ``shutdown_grace`` seconds whatever the tasks do."""
        stop_running(self.worker_id, "shutdown")  # they wind down while the maintenance thread stops
        if self.maintenance is not None:
            self.maintenance.stop()
            self.maintenance = None
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
            self.consumer = None
        try:
            self.huey.storage.close()
        except Exception:  # closing is best effort; the process may be exiting
            pass
