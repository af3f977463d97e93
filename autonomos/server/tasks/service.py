"""The task service: create task rows, hand their ids to the queue, cancel and retry them.

Controllers (and anything else that starts background work) call this module; kind authors
import their names from here too (``task_kind``, ``TaskRunContext``, ``PermanentTaskError``… are
defined in :mod:`~autonomos.server.tasks.registry` and re-exported)::

    from autonomos.server.tasks.service import TaskRunContext, create_task, enqueue, task_kind

    # in a controller (``db_session`` is the request's tenant-scoped session):
    task = create_task(db_session, ctx.tenant_id, "dcl.connect", {"sources": [...]},
                       callback_url=body.callback_url)       # 422 problem on a bad URL / kind
    db_session.commit()
    enqueue(task)                           # only the id goes to Huey, after the commit
    return task_out(task)                   # the public JSON shape (``TaskOut``)

``create_and_enqueue(db_session, …)`` does the three steps at once.

The service does not build or look up the Huey side: the composition place (the
:class:`~autonomos.server.tasks.plugin.TasksPlugin` on app startup, ``autonomos worker``, a
test) builds a :class:`~autonomos.server.tasks.huey_app.TaskRuntime` and injects it with
:func:`install_runtime`. Its ``enqueue`` carries ids to the workers, its settings decide which
callback targets are allowed, and its database stores the callbacks of cancelled tasks.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from autonomos.core.network import UnsafeURLError, resolve_target
from autonomos.server.db.base import utcnow
from autonomos.server.errors import Problem, invalid
from autonomos.server.pagination import paginate
from autonomos.server.tasks import webhooks
from autonomos.server.tasks.callbacks import on_task_finished
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.registry import (  # noqa: F401  (re-exported: the kind author's API)
    EventPublisher,
    KindFn,
    PermanentTaskError,
    Runtime,
    TaskCancelled,
    TaskListener,
    TaskOut,
    TaskRunContext,
    notify_task,
    publish_event,
    register_task_kind,
    run_kind,
    set_event_publisher,
    set_task_listener,
    task_json,
    task_kind,
    task_kinds,
    task_out,
    unregister_task_kind,
)

if TYPE_CHECKING:
    from autonomos.server.db.session import TenantSession

log = logging.getLogger(__name__)

_runtime: Runtime | None = None


# -- the injected runtime ------------------------------------------------------------------------
def install_runtime(runtime: Runtime | None) -> None:
    """Make ``runtime`` the one :func:`enqueue` hands ids to (None: this process enqueues nothing).
    Called by the composition place that built it."""
    global _runtime
    _runtime = runtime


def current_runtime() -> Runtime | None:
    return _runtime


# -- creating ------------------------------------------------------------------------------------
def check_callback_url(session: TenantSession, url: str | None) -> str | None:
    """The URL if callbacks may go there, else a 422 problem naming ``callback_url``."""
    if url is None:
        return None
    try:
        resolve_target(url, allow_private=webhooks.private_targets_allowed(_runtime),
                       exempt=webhooks.allowed_targets(_runtime))
    except UnsafeURLError as exc:
        raise invalid("callback_url", str(exc)) from None
    return url.strip()


def create_task(session: TenantSession, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any] | None = None,
                callback_url: str | None = None, max_attempts: int = 3) -> Task:
    """Add a queued task row to ``session`` (not committed). 422 problems name the bad field."""
    kinds = task_kinds()
    if kind not in kinds:
        raise invalid("kind", f"unknown task kind {kind!r}; known: {', '.join(sorted(kinds)) or 'none'}")
    if not 1 <= max_attempts <= 20:
        raise invalid("max_attempts", "must be between 1 and 20")
    payload = payload or {}
    try:
        msgspec.json.encode(payload)
    except (TypeError, msgspec.EncodeError) as exc:
        raise invalid("payload", f"is not JSON-serialisable ({exc})") from None
    callback_url = check_callback_url(session, callback_url)
    task = Task(tenant_id=tenant_id, kind=kind, payload=payload, status="queued", attempts=0,
                max_attempts=max_attempts, callback_url=callback_url, progress=0.0, cancel_requested=False,
                created_at=utcnow())
    session.add(task)
    session.flush()
    return task


def enqueue(task: Task | uuid.UUID, delay: float | None = None) -> bool:
    """Hand the task id to the installed runtime's queue (call after the row is committed). Returns
    False when no runtime was installed in this process, or when the queue is unreachable (Redis
    restarting): the row is stored, so the reaper of a running worker hands it over within
    ``requeue_after`` seconds, and the caller must not answer 500 for work that will run."""
    runtime = _runtime
    task_id = task.id if isinstance(task, Task) else task
    if runtime is None:
        log.warning("no task runtime in this process; task %s waits for a reaper to enqueue it", task_id)
        return False
    try:
        runtime.enqueue(task_id, delay=delay)
    except Exception as exc:  # the broker (or the enqueued_at write) failed; the committed row is the truth
        log.warning("task %s stored but not handed to the queue (%s: %s); a reaper enqueues it later",
                    task_id, type(exc).__name__, exc)
        return False
    return True


def create_and_enqueue(session: TenantSession, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any] | None = None,
                       callback_url: str | None = None, max_attempts: int = 3) -> Task:
    """:func:`create_task`, commit, :func:`enqueue`."""
    task = create_task(session, tenant_id, kind, payload, callback_url=callback_url, max_attempts=max_attempts)
    session.commit()
    enqueue(task)
    return task


def list_tasks(session: TenantSession, status: str | None, kind: str | None, limit: int | None,
               cursor: str | None, newest_first: bool = False) -> tuple[list[Task], str | None]:
    """One page of the organization's tasks (optionally by status and kind) and the next cursor."""
    stmt = select(Task)
    if status is not None:
        stmt = stmt.where(Task.status == status)
    if kind is not None:
        stmt = stmt.where(Task.kind == kind)
    return paginate(session, stmt, Task, limit, cursor, newest_first=newest_first)


RETRYABLE_STATUSES = ("failed", "cancelled")


def retry_task(session: TenantSession, task: Task) -> Task:
    """A new queued task with ``task``'s kind, payload, callback URL and attempt budget, pointing
    back at it (``retry_of``); committed and enqueued like any other. Only failed or cancelled
    tasks may be retried (409 otherwise) — a running or successful one would do the work twice.
    The kind and callback URL pass today's checks again (422 naming the field)."""
    if task.status not in RETRYABLE_STATUSES:
        raise Problem(409, f"task is {task.status}; only failed or cancelled tasks can be retried",
                      slug="conflict", title="Conflict")
    earlier = session.scalar(select(Task.id).where(Task.retry_of == task.id).limit(1))
    if earlier is not None:  # a double click must not run the work twice: retries form a chain
        raise Problem(409, f"task was already retried as {earlier}; retry that one if it failed",
                      slug="conflict", title="Conflict")
    new = create_task(session, task.tenant_id, task.kind, dict(task.payload or {}), callback_url=task.callback_url,
                      max_attempts=task.max_attempts)
    new.retry_of = task.id
    try:
        session.commit()
    except IntegrityError:  # a concurrent retry won the unique index on retry_of
        session.rollback()
        raise Problem(409, "task is being retried by another request", slug="conflict", title="Conflict") from None
    enqueue(new)
    return new


def request_cancel(session: TenantSession, task: Task) -> Task:
    """Queued → cancelled at once; in progress → ``cancel_requested`` (the kind sees it). Commits."""
    now = utcnow()
    if task.status == "queued":
        done = session.execute(update(Task).where(Task.id == task.id, Task.status == "queued").values(
            status="cancelled", cancel_requested=True, finished_at=now)).rowcount
        session.commit()
        session.refresh(task)
        if done:
            on_task_finished(_runtime, task)
        return task
    if task.status == "in_progress":
        session.execute(update(Task).where(Task.id == task.id, Task.status == "in_progress").values(cancel_requested=True))
        session.commit()
        session.refresh(task)
    return task
