"""What every layer of tasks shares: task kinds, their errors and run context, the public shape
of a task, the live hooks, and what the lower layers need of the process's task runtime.

This is the bottom of the package (above :mod:`~autonomos.server.tasks.models` and
:mod:`~autonomos.server.tasks.config`); the worker runs kinds from here, the service validates
against it, and nothing here imports another task module above it. Kind authors keep importing
from :mod:`autonomos.server.tasks.service`, which re-exports these names.

A **kind** is a plain function that does one sort of background work. It receives a
:class:`TaskRunContext` and returns a JSON-serialisable dict (stored as the task's ``result``)::

    from autonomos.server.tasks.service import TaskRunContext, task_kind

    @task_kind("dcl.connect")
    def dcl_connect(ctx: TaskRunContext) -> dict:
        '''Rebuild the tenant's catalog. Must be idempotent: a retried attempt repeats it.'''
        ctx.progress(0.1, "connecting sources")
        if ctx.should_cancel():            # POST /api/v1/tasks/{id}/cancel was called
            raise TaskCancelled()
        result = Runner(ctx.catalog, get_host(), ctx.event_bus).run(spec, base, "demo",
                                                                    should_cancel=ctx.should_cancel)
        with ctx.session() as s:           # tenant-scoped SQLAlchemy session
            ...
        return {"run_id": result.run_id, "status": result.status}

Kinds must be registered in every process that runs workers: the built-in ones are listed in
:data:`autonomos.server.services.TASK_KINDS`; a deployment names the modules of its own kinds
(which register with :func:`task_kind` when imported) in ``AUTONOMOS_TASK_MODULES``
(comma-separated). :func:`autonomos.server.services.build_services` imports them, in the web
app and in ``autonomos worker`` alike.

What a kind may rely on:

* it runs at most once at a time (the worker claims the row atomically) but may run again after
  a crash (the reaper re-queues an expired lease) — so it must be idempotent;
* an exception retries it with exponential backoff up to ``max_attempts`` (then ``failed``);
  :class:`PermanentTaskError` fails it at once; :class:`TaskCancelled` (or any end while a
  cancel was requested) makes it ``cancelled``;
* ``ctx.event_bus`` stores events in the tenant's catalog, hands them to ``on_event`` plugin
  observers and to the live-event publisher (:func:`set_event_publisher`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

import msgspec

from autonomos.core.catalog import TenantCatalog
from autonomos.core.events import Event, EventBus
from autonomos.core.plugins import get_host
from autonomos.server.db.base import as_utc
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.models import Task

if TYPE_CHECKING:
    from autonomos.server.db.session import Database, TenantSession
    from autonomos.server.settings import Settings

log = logging.getLogger(__name__)

KindFn = Callable[["TaskRunContext"], dict[str, Any]]
EventPublisher = Callable[[uuid.UUID, Event], None]
TaskListener = Callable[[uuid.UUID, dict[str, Any]], None]

_kinds: dict[str, KindFn] = {}
_event_publisher: EventPublisher | None = None
_task_listener: TaskListener | None = None


class PermanentTaskError(Exception):
    """Raised by a kind when retrying cannot help (bad input): the task fails at once."""


class TaskCancelled(Exception):
    """Raised by a kind that saw ``should_cancel()``: the task ends ``cancelled``."""


# -- kinds -------------------------------------------------------------------------------------
def register_task_kind(name: str, fn: KindFn) -> KindFn:
    """Register ``fn`` as the function of task kind ``name`` (re-registering replaces it)."""
    if not name or len(name) > 100:
        raise ValueError("a task kind needs a name of 1-100 characters")
    _kinds[name] = fn
    return fn


def task_kind(name: str) -> Callable[[KindFn], KindFn]:
    """Decorator form of :func:`register_task_kind`."""
    return lambda fn: register_task_kind(name, fn)


def unregister_task_kind(name: str) -> None:
    _kinds.pop(name, None)


def task_kinds() -> dict[str, KindFn]:
    return dict(_kinds)


# -- live-event hooks (filled by the WebSocket part) -------------------------------------------------
def set_event_publisher(fn: EventPublisher | None) -> None:
    """``fn(tenant_id, event)`` receives every engine event a task's ``event_bus`` publishes
    (after it was stored in the catalog). Called from worker threads; must not block long."""
    global _event_publisher
    _event_publisher = fn


def set_task_listener(fn: TaskListener | None) -> None:
    """``fn(tenant_id, task_json)`` receives a task's public JSON on claim, progress and finish."""
    global _task_listener
    _task_listener = fn


def publish_event(tenant_id: uuid.UUID, event: Event) -> None:
    fn = _event_publisher
    if fn is not None:
        try:
            fn(tenant_id, event)
        except Exception as exc:
            log.warning("event publisher failed on %s: %s", event.type, exc)


def notify_task(task: Task) -> None:
    fn = _task_listener
    if fn is not None:
        try:
            fn(task.tenant_id, task_json(task))
        except Exception as exc:
            log.warning("task listener failed for %s: %s", task.id, exc)


# -- public shape --------------------------------------------------------------------------------
class TaskOut(msgspec.Struct):
    """A task as the API shows it."""

    id: uuid.UUID
    kind: str
    status: str
    attempts: int
    max_attempts: int
    progress: float
    progress_message: str | None
    result: dict[str, Any] | None
    error: str | None
    callback_url: str | None
    cancel_requested: bool
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    not_before: dt.datetime | None
    lease_until: dt.datetime | None
    retry_of: uuid.UUID | None  # the failed/cancelled task this one retries (POST …/retry)


def task_out(task: Task) -> TaskOut:
    return TaskOut(id=task.id, kind=task.kind, status=task.status, attempts=task.attempts,
                   max_attempts=task.max_attempts, progress=task.progress, progress_message=task.progress_message,
                   result=task.result, error=task.error, callback_url=task.callback_url,
                   cancel_requested=task.cancel_requested, created_at=as_utc(task.created_at),
                   started_at=as_utc(task.started_at), finished_at=as_utc(task.finished_at),
                   not_before=as_utc(task.not_before), lease_until=as_utc(task.lease_until),
                   retry_of=task.retry_of)


def task_json(task: Task) -> dict[str, Any]:
    """The task's public shape as plain JSON types (callbacks, live events)."""
    return msgspec.to_builtins(task_out(task))


# -- the runtime, as the layers below it see it -------------------------------------------------
class Runtime(Protocol):
    """What callbacks, webhooks, the reaper and the service need of this process's task runtime.

    :class:`autonomos.server.tasks.huey_app.TaskRuntime` is the implementation; it is built and
    handed down by the composition places (:class:`~autonomos.server.tasks.plugin.TasksPlugin`,
    ``autonomos worker``), never imported by the modules that use it.
    """

    db: Database
    settings: TaskSettings
    server_settings: Settings
    mode: str  # "embedded" or "production"
    worker_id: str

    def enqueue(self, task_id: uuid.UUID, delay: float | None = None) -> None: ...

    def enqueue_delivery(self, delivery_id: uuid.UUID, delay: float | None = None) -> None: ...


# -- running a kind -------------------------------------------------------------------------------------
@dataclass
class TaskRunContext:
    """What a kind gets: who it runs for, its payload, and handles to report back.

    ``progress``, ``heartbeat`` and ``should_cancel`` only touch the row while this worker still
    holds the lease; ``lease_lost`` turns True when another worker took the task over (the kind
    should stop: its result would be discarded).
    """

    tenant_id: uuid.UUID
    task_id: uuid.UUID
    payload: dict[str, Any]
    attempt: int
    db: Database
    data_dir: Any
    lease: Any  # autonomos.server.tasks.worker.Lease
    _catalog: TenantCatalog | None = field(default=None, repr=False)
    _bus: EventBus | None = field(default=None, repr=False)

    @property
    def catalog(self) -> TenantCatalog:
        """The tenant's engine catalog (opened lazily)."""
        if self._catalog is None:
            self._catalog = TenantCatalog(self.tenant_id, data_dir=self.data_dir)
        return self._catalog

    @property
    def event_bus(self) -> EventBus:
        """Stores events in the catalog, then ``on_event`` observers, then the live publisher."""
        if self._bus is None:
            host = get_host()
            tenant_id = self.tenant_id

            def emit(event: Event) -> None:
                host.emit(event)
                publish_event(tenant_id, event)

            self._bus = EventBus(store=self.catalog.meta, emit=emit)
        return self._bus

    def session(self) -> TenantSession:
        """A new session scoped to the task's tenant (close it; ``with ctx.session() as s:``)."""
        return self.db.session(self.tenant_id)

    def progress(self, fraction: float, message: str = "") -> None:
        """Record progress (0..1) and a short message on the row."""
        self.lease.progress(min(1.0, max(0.0, float(fraction))), message[:500])

    def heartbeat(self) -> None:
        """Renew the lease now (the worker also renews it from a thread)."""
        self.lease.renew()

    def should_cancel(self) -> bool:
        """True once the run should stop soon: a cancel was requested, the lease was lost, or the
        worker stopped the run (time ceiling, shutdown: the lease's guard says which)."""
        return self.lease.guard.stopped or self.lease.cancel_requested() or self.lease.lost

    @property
    def lease_lost(self) -> bool:
        return self.lease.lost


def run_kind(ctx: TaskRunContext, kind: str) -> dict[str, Any]:
    """Look the kind up and call it; its result must be a JSON-serialisable dict."""
    fn = _kinds.get(kind)
    if fn is None:
        raise PermanentTaskError(f"unknown task kind {kind!r} in this worker (is its module in AUTONOMOS_TASK_MODULES?)")
    result = fn(ctx)
    if result is None:
        result = {}
    if not isinstance(result, dict):
        raise PermanentTaskError(f"kind {kind!r} returned {type(result).__name__}, not a dict")
    return msgspec.json.decode(msgspec.json.encode(result))

