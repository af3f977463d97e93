"""``/api/v1/tasks`` (list, get, cancel, retry) and ``/api/v1/webhooks`` (secret, settings, deliveries)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import anyio
import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import Parameter

from autonomos.server.auth.guards import requires_role
from autonomos.server.context import TenantContext
from autonomos.server.db.session import Database, TenantSession
from autonomos.server.errors import Problem, not_found, problem_responses
from autonomos.server.pagination import Cursor, Limit
from autonomos.server.settings import Settings
from autonomos.server.tasks import service, webhooks
from autonomos.server.tasks.models import TASK_STATUSES, Task, WebhookDelivery, WebhookSettings
from autonomos.server.tasks.registry import TaskOut, task_out

ADMIN = [requires_role("admin")]
TaskStatus = Literal[TASK_STATUSES]  # type: ignore[valid-type]  # the schema's enum is the model's list


class TaskPage(msgspec.Struct):
    items: list[TaskOut]
    next_cursor: str | None = None


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]

    @get("/", operation_id="listTasks", sync_to_thread=True, summary="List tasks",
         responses=problem_responses(400, 401))
    def list_tasks(self, db_session: TenantSession, limit: int | None = Limit, cursor: str | None = Cursor,
                   status: TaskStatus | None = Parameter(query="status", required=False,
                                                         description="queued, in_progress, success, failed or cancelled"),
                   kind: str | None = Parameter(query="kind", required=False, max_length=100),
                   order: Literal["asc", "desc"] = Parameter(query="order", required=False, default="asc",
                                                             description="asc (oldest first, default) or desc")) -> TaskPage:
        """The organization's tasks, oldest first (``order=desc``: newest first; cursor pagination),
        optionally by status and kind."""
        rows, next_cursor = service.list_tasks(db_session, status, kind, limit, cursor, newest_first=order == "desc")
        return TaskPage(items=[task_out(t) for t in rows], next_cursor=next_cursor)

    @get("/{task_id:uuid}", operation_id="getTask", summary="One task", responses=problem_responses(401, 404))
    async def get_task(self, task_id: uuid.UUID, ctx: TenantContext, db: Database) -> TaskOut:
        """Status, attempts, progress, result or error of one task."""
        # Polled by every client waiting on a task: one thread hop for session, query and close.
        out = await anyio.to_thread.run_sync(_read_task, db, ctx.tenant_id, task_id)
        if out is None:
            raise not_found("task")
        return out

    @post("/{task_id:uuid}/cancel", operation_id="cancelTask", sync_to_thread=True, status_code=200,
          summary="Cancel a task", responses=problem_responses(401, 403, 404))
    def cancel_task(self, task_id: uuid.UUID, db_session: TenantSession) -> TaskOut:
        """A queued task is cancelled at once; a running one is asked to stop (``cancel_requested``)
        and ends ``cancelled``. Finished tasks are returned unchanged."""
        task = db_session.get(Task, task_id)
        if task is None:
            raise not_found("task")
        return task_out(service.request_cancel(db_session, task))


    @post("/{task_id:uuid}/retry", operation_id="retryTask", sync_to_thread=True, status_code=201,
          summary="Retry a failed or cancelled task", responses=problem_responses(401, 403, 404, 409, 422))
    def retry_task(self, task_id: uuid.UUID, db_session: TenantSession) -> TaskOut:
        """A new queued task with the same kind, payload and callback URL; its ``retry_of`` names
        this one. Only ``failed`` or ``cancelled`` tasks (409 otherwise); the original is unchanged."""
        task = db_session.get(Task, task_id)
        if task is None:
            raise not_found("task")
        return task_out(service.retry_task(db_session, task))


def _read_task(db: Database, tenant_id: uuid.UUID, task_id: uuid.UUID) -> TaskOut | None:
    with db.session(tenant_id) as s:
        task = s.get(Task, task_id)
        return None if task is None else task_out(task)


class SecretOut(msgspec.Struct):
    secret: str
    created_at: dt.datetime
    rotated_at: dt.datetime | None


class WebhookSettingsOut(msgspec.Struct):
    """The server's callback network policy (set by its operator, read-only here)."""

    allow_private_webhooks: bool


class DeliveryOut(msgspec.Struct):
    id: uuid.UUID
    task_id: uuid.UUID | None
    msg_id: str
    event_type: str
    url: str
    attempt: int
    max_attempts: int
    status: Literal["pending", "sending", "delivered", "failed", "refused"]
    status_code: int | None
    error: str | None
    duration_ms: float | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryOut]
    next_cursor: str | None = None


def _delivery_out(d: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(id=d.id, task_id=d.task_id, msg_id=d.msg_id, event_type=d.event_type, url=d.url,
                       attempt=d.attempt, max_attempts=d.max_attempts, status=d.status,  # type: ignore[arg-type]
                       status_code=d.status_code, error=d.error, duration_ms=d.duration_ms, created_at=d.created_at,
                       due_at=d.due_at, started_at=d.started_at, finished_at=d.finished_at)


def _secret_out(row: WebhookSettings, secret_key: str) -> SecretOut:
    """The opened secret; 409 when it no longer decrypts (rotating makes a new one)."""
    try:
        secret = webhooks.open_secret(row.secret_sealed, secret_key, row.tenant_id)
    except webhooks.SecretUnreadable as exc:
        raise Problem(409, str(exc), slug="secret-unreadable", title="Secret unreadable") from None
    return SecretOut(secret=secret, created_at=row.created_at, rotated_at=row.rotated_at)


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]

    @get("/secret", operation_id="getWebhookSecret", sync_to_thread=True, guards=ADMIN, opt={"scope": "admin"},
         summary="The signing secret", responses=problem_responses(401, 403, 409))
    def get_secret(self, db_session: TenantSession, settings: Settings) -> SecretOut:
        """The organization's Standard Webhooks secret (``whsec_…``), created on first use. Admins only.
        It is stored encrypted with the organization's key and opened for this answer."""
        key = settings.auth.secret_key
        return _secret_out(webhooks.get_settings_row(db_session, key), key)

    @post("/secret/rotate", operation_id="rotateWebhookSecret", sync_to_thread=True, guards=ADMIN,
          opt={"scope": "admin"}, status_code=200, summary="Rotate the signing secret",
          responses=problem_responses(401, 403))
    def rotate_secret(self, db_session: TenantSession, settings: Settings) -> SecretOut:
        """A new secret signs every delivery from now on (retries of older messages included)."""
        key = settings.auth.secret_key
        return _secret_out(webhooks.rotate_secret(db_session, key), key)

    @get("/settings", operation_id="getWebhookSettings", sync_to_thread=True, guards=ADMIN, opt={"scope": "admin"},
         summary="Webhook settings", responses=problem_responses(401, 403))
    def get_settings(self, state: State) -> WebhookSettingsOut:
        """Whether callbacks may reach private, loopback and link-local addresses. That is the
        server operator's decision (``AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE``, or single targets in
        ``AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS``), never an organization's: letting a tenant turn it
        on would let anyone who registers make the server call its own network."""
        return WebhookSettingsOut(webhooks.private_targets_allowed(getattr(state, "task_runtime", None)))

    @get("/deliveries", operation_id="listWebhookDeliveries", sync_to_thread=True, summary="Delivery log",
         responses=problem_responses(400, 401))
    def list_deliveries(self, db_session: TenantSession, limit: int | None = Limit, cursor: str | None = Cursor,
                        task_id: uuid.UUID | None = Parameter(query="task_id", required=False)) -> DeliveryPage:
        """Every delivery attempt, oldest first: url, attempt, status code, error, duration, timestamps."""
        rows, next_cursor = webhooks.list_deliveries(db_session, task_id, limit, cursor)
        return DeliveryPage(items=[_delivery_out(d) for d in rows], next_cursor=next_cursor)


controllers = [TaskController, WebhookController]
