"""Task rows (the source of truth for background work), webhook settings and the delivery log.

Huey only ever carries a task's (or a delivery's) id; everything else lives here, so a lost Huey
message or a killed worker never loses work: the reaper finds the row and queues it again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autonomos.server.db.base import Base, TenantOwned, Timestamped, UUIDPrimaryKey

TASK_STATUSES = ("queued", "in_progress", "success", "failed", "cancelled")
FINAL_STATUSES = ("success", "failed", "cancelled")


class Task(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """One unit of background work: ``queued → in_progress → success | failed | cancelled``.

    ``lease_owner``/``lease_until`` say which worker holds it and until when; the worker renews
    the lease while it runs (``heartbeat_at``). ``not_before`` delays a retry (backoff).
    ``enqueued_at`` is when the id was last handed to Huey (the reaper re-enqueues queued rows
    Huey lost).
    """

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_lease", "status", "lease_until"),)
    kind: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    not_before: Mapped[dt.datetime | None]
    enqueued_at: Mapped[dt.datetime | None]
    progress: Mapped[float] = mapped_column(default=0.0)
    progress_message: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    # The failed/cancelled task this one retries (POST /tasks/{id}/retry); kept when that row goes.
    retry_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"), index=True, unique=True)


class WebhookSettings(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """Per-organization webhook secret (``whsec_<base64>``, created on first use) and the admin
    switch that lets callbacks reach private addresses.

    ``secret_sealed`` is the secret encrypted with the organization's Fernet key (the one source
    secrets use, :func:`autonomos.server.resources.secrets.tenant_key`): a database dump alone
    cannot forge signatures. :mod:`autonomos.server.tasks.webhooks` seals and opens it."""

    __tablename__ = "webhook_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_webhook_settings_tenant"),)
    secret_sealed: Mapped[str] = mapped_column(Text)
    # no longer read: private callback targets are the server operator's decision (docs/tasks.md);
    # kept so a downgrade finds the column
    allow_private_webhooks: Mapped[bool] = mapped_column(default=False)
    rotated_at: Mapped[dt.datetime | None]


class WebhookDelivery(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """One delivery attempt of one message (``msg_id`` is the ``webhook-id`` header, the same on
    every retry). ``status``: pending → sending → delivered | failed | refused."""

    __tablename__ = "webhook_deliveries"
    task_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    msg_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(default=1)
    max_attempts: Mapped[int] = mapped_column(default=5)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float | None]
    due_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class WorkerHeartbeat(Base):
    """A live worker (embedded mode keeps these in the database; production mode in Redis)."""

    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int]
    started_at: Mapped[dt.datetime]
    beat_at: Mapped[dt.datetime] = mapped_column(index=True)
