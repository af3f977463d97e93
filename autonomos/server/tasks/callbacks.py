"""What happens when a task finishes: its callback is queued as a signed webhook delivery.

The delivery row is written first (the outbox), then its id goes to Huey; a delivery Huey loses
is found again by the reaper (``pending`` and past due).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

from autonomos.server.db.base import utcnow
from autonomos.server.tasks.models import Task, WebhookDelivery

log = logging.getLogger(__name__)


def callback_body(task: Task) -> str:
    """The Standard Webhooks payload: ``{"type", "timestamp", "data"}`` with the task's public JSON."""
    from autonomos.server.tasks.service import task_json

    return json.dumps({"type": "task.finished", "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
                       "data": task_json(task)}, separators=(",", ":"), sort_keys=True)


def on_task_finished(task: Task) -> None:
    """Queue the callback of a finished task, if it has one. Never raises (the task is done)."""
    if not task.callback_url:
        return
    from autonomos.server.tasks.huey_app import current_runtime
    from autonomos.server.tasks.webhooks import max_attempts
    from autonomos.server.db.session import Database

    runtime = current_runtime()
    try:
        db: Database | None = runtime.db if runtime is not None else None
        if db is None:
            log.warning("task %s finished without a task runtime; its callback is not sent", task.id)
            return
        with db.session(task.tenant_id) as s:
            delivery = WebhookDelivery(tenant_id=task.tenant_id, task_id=task.id, msg_id=f"msg_{uuid.uuid4().hex}",
                                       event_type="task.finished", url=task.callback_url, body=callback_body(task),
                                       attempt=1, max_attempts=max_attempts(runtime), status="pending",
                                       due_at=utcnow(), created_at=utcnow())
            s.add(delivery)
            s.commit()
            delivery_id = delivery.id
        runtime.enqueue_delivery(delivery_id)
    except Exception as exc:  # the reaper retries pending deliveries; the task outcome stands
        log.error("could not queue the callback of task %s: %s", task.id, exc)


def retry_delay(base: float, attempt: int) -> dt.timedelta:
    """Wait before attempt ``attempt + 1``: base·2^(attempt-1), at most one hour."""
    return dt.timedelta(seconds=min(3600.0, base * 2 ** max(0, attempt - 1)))
